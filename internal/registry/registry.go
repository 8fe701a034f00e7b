// Package registry is the one list of the providers cachelink has, each
// with its command package. Adding a provider is a line here and a package
// of its own (docs/adding-a-provider.md); nothing else names a provider.
package registry

import (
	polyscalecmd "github.com/cachelink/cachelink/internal/cmd/polyscale"
	upstashcmd "github.com/cachelink/cachelink/internal/cmd/upstash"
	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/polyscale"
	"github.com/cachelink/cachelink/internal/upstash"
)

// Providers are the registered providers, in the order commands list them.
func Providers() []cmdutil.Registration {
	return []cmdutil.Registration{
		{Provider: polyscale.Provider, Commands: polyscalecmd.Commands},
		{Provider: upstash.Provider, Commands: upstashcmd.Commands},
	}
}
