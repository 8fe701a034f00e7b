package polyscale

// Prompts on a terminal for what `create polyscale` was not given: the
// cache name, and the origin connection string, typed hidden since it
// carries the database password. Without a terminal, or with --no-input,
// nothing is asked and the flags' errors are exactly those of a script.

import (
	"context"
	"errors"
	"strings"

	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/connstr"
	"github.com/cachelink/cachelink/internal/prompt"
)

// askCreate fills in, on a terminal, what opts lacks. The origin is asked
// only when no way of giving one was used: no --origin, --origin-env,
// --type, --host or --port. What is typed is checked again, as the flags
// are, by createRun.
func askCreate(ctx context.Context, opts *CreateOptions) error {
	noOrigin := !opts.Origin.Given() && opts.Type == "" && !opts.hostPortGiven()
	if opts.Ask == nil || (opts.Name != "" && !noOrigin) {
		return nil
	}
	p := opts.Ask()
	if p == nil {
		return nil
	}
	var err error
	if opts.Name == "" {
		if opts.Name, err = cmdutil.AskName(ctx, p, "Name of the new PolyScale cache", "cache id"); err != nil {
			return err
		}
	}
	if noOrigin {
		origin, err := p.Secret(ctx, prompt.Question{
			Title:       "Origin database connection string (input hidden)",
			Description: "postgres://user:password@host:5432/db, mysql://..., or ADO.NET; --origin-env DATABASE_URL next time",
			Validate: func(s string) error {
				if strings.TrimSpace(s) == "" {
					return errEmptyOrigin
				}
				_, err := connstr.Parse(strings.TrimSpace(s))
				return err
			},
		})
		if err != nil {
			return err
		}
		opts.Origin.Typed = strings.TrimSpace(origin)
	}
	return nil
}

var errEmptyOrigin = errors.New("type the origin connection string")
