// Package readmetest has no code of its own: its test runs the README's
// tour, as written, with bash against freshly built cachelink and
// cachelink-sandbox binaries, so that the README cannot drift from what
// cachelink does.
package readmetest
