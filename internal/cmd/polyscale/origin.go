package polyscale

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/connstr"
	"github.com/cachelink/cachelink/internal/iostreams"
)

// maxOriginLen bounds what is read for an origin connection string.
const maxOriginLen = 64 << 10

// OriginFlags are the three ways to give PolyScale an origin database
// connection string. The string carries the database password, so the two
// ways that keep it out of argv come first in the help.
type OriginFlags struct {
	URL string // --origin: the string itself, or "-" for one line of stdin
	Env string // --origin-env: the name of an environment variable holding it
	// Typed is what was typed at the hidden prompt on a terminal, when
	// neither flag was given (ask.go); never from argv.
	Typed string
}

// Register adds --origin and --origin-env to cmd.
func (o *OriginFlags) Register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.Env, "origin-env", "", "Read the origin connection string from this environment variable (e.g. DATABASE_URL)")
	cmd.Flags().StringVar(&o.URL, "origin", "", "Origin connection string, or - to read one line from stdin")
}

// Given reports whether either flag was used.
func (o *OriginFlags) Given() bool { return o.URL != "" || o.Env != "" || o.Typed != "" }

// Read returns the origin, parsed; --origin-env is read with getenv. It
// warns on stderr when a password came through argv, where shell history
// and the process list keep it, and about a TLS setting that lets the edge
// connection go unencrypted (warnWeakTLS), so that create, connstr and
// cachelink run all say the same.
func (o *OriginFlags) Read(ios *iostreams.IOStreams, noInput bool, getenv func(string) string) (*connstr.Origin, error) {
	raw, fromArgv, err := o.raw(ios, noInput, getenv)
	if err != nil {
		return nil, err
	}
	origin, err := connstr.Parse(raw)
	if err != nil {
		hint := "Fix the origin connection string; 'cachelink connstr polyscale --help' lists the accepted forms."
		var perr *connstr.ParseError
		if errors.As(err, &perr) && (perr.Part == "user" || perr.Part == "password") {
			hint = "In a URL, percent-encode special characters of the user and password (@ as %40, / as %2F, % as %25, space as %20)."
		}
		return nil, clierr.Wrap(clierr.Usage, err).WithHint(hint)
	}
	if fromArgv && origin.Password != "" {
		ios.WarnHint("Prefer --origin-env DATABASE_URL or --origin -.",
			"--origin puts the database password in your shell history and the process list")
	}
	warnWeakTLS(ios, origin)
	return origin, nil
}

func (o *OriginFlags) raw(ios *iostreams.IOStreams, noInput bool, getenv func(string) string) (s string, fromArgv bool, err error) {
	switch {
	case o.URL != "" && o.Env != "":
		return "", false, clierr.Usagef("--origin and --origin-env cannot be used together").WithHint("Pass one of them.")
	case o.Typed != "":
		return o.Typed, false, nil
	case o.Env != "":
		v := getenv(o.Env)
		if v == "" {
			return "", false, clierr.Usagef("environment variable %s is not set or empty", o.Env).
				WithHint(fmt.Sprintf("Export %s with the origin connection string, or pass it with --origin -.", o.Env))
		}
		return v, false, nil
	case o.URL == "-":
		if ios.IsStdinTTY() && noInput {
			return "", false, clierr.Usagef("--origin - reads standard input, which is a terminal, and --no-input forbids prompting").
				WithHint("Pipe the connection string in, or use --origin-env NAME.")
		}
		// Ends at Ctrl-C or SIGTERM (exit 130), also while a pipe that
		// never writes (`sleep 30 | cachelink ...`) holds stdin.
		line, err := ios.ReadLine(ios.Context(), "Origin connection string (input hidden): ", maxOriginLen)
		switch {
		case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
			return "", false, err
		case errors.Is(err, iostreams.ErrLineTooLong):
			return "", false, clierr.Usagef("the origin on standard input is longer than %d bytes", maxOriginLen)
		case err != nil:
			return "", false, clierr.Errorf("reading the origin from standard input: %w", err)
		case line == "":
			return "", false, clierr.Usagef("no origin connection string on standard input")
		}
		return line, false, nil
	case o.URL != "":
		if len(o.URL) > maxOriginLen {
			return "", false, clierr.Usagef("--origin is longer than %d bytes", maxOriginLen)
		}
		return o.URL, true, nil
	}
	return "", false, clierr.Usagef("an origin connection string is needed: --origin-env NAME, --origin - (stdin) or --origin URL")
}

// OnEdge reports whether host is the PolyScale edge (polyscale.edge_host)
// or a name under it.
func OnEdge(host string, edge connstr.Edge) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	e := strings.ToLower(strings.TrimSuffix(edge.Host, "."))
	return e != "" && (h == e || strings.HasSuffix(h, "."+e))
}

// checkNotEdge refuses an origin that already goes through the edge: a
// cache in front of it would loop, and its real origin is not in it (an
// edge string written over DATABASE_URL and read back, most often).
func checkNotEdge(host string, edge connstr.Edge) error {
	if !OnEdge(host, edge) {
		return nil
	}
	return clierr.Usagef("the origin host %s is the PolyScale edge (polyscale.edge_host), not a database", host).
		WithHint("Pass the database's own connection string; an earlier connstr or --write-env may have replaced it with the edge one.")
}
