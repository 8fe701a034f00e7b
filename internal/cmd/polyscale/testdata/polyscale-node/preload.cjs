"use strict";
// Loaded with node --require before PolyScale's own example (written for
// cachelink's tests; the client and its example are run unmodified). The
// example hard-codes its API at http://localhost:8000: a request there goes
// to CACHELINK_TEST_POLYSCALE_ORIGIN (the sandbox) instead, a request to the
// sandbox itself goes through, and any other request fails, so nothing
// leaves the machine. The client sends through node-fetch 2, which calls
// http.request with the parsed URL's parts.
const http = require("http");
const https = require("https");
const target = new URL(process.env.CACHELINK_TEST_POLYSCALE_ORIGIN || "");
const isExample = (h, p) => h === "localhost" && String(p) === "8000";
const isTarget = (h, p) => h === target.hostname && String(p) === target.port;
for (const [mod, name] of [[http, "http"], [https, "https"]]) {
  for (const fn of ["request", "get"]) {
    const real = mod[fn];
    mod[fn] = function (options, ...rest) {
      const o = typeof options === "string" || options instanceof URL ? new URL(String(options)) : options;
      const host = o.hostname ?? o.host;
      if (name === "http" && isExample(host, o.port)) {
        const moved = Object.assign({}, o, { hostname: target.hostname, host: target.hostname, port: target.port });
        return real.call(mod, moved, ...rest);
      }
      if (name === "http" && isTarget(host, o.port)) {
        return real.call(mod, options, ...rest);
      }
      throw new Error(`test preload: refusing a request to ${name}://${host}:${o.port}`);
    };
  }
}
globalThis.fetch = () => Promise.reject(new Error("test preload: the client sends through node-fetch, not fetch"));
