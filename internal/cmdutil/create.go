package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/httpx"
	"github.com/cachelink/cachelink/internal/iostreams"
)

// CreateOnce is the rule both providers' creates follow: never two. The
// create is sent once (the HTTP layer resends a POST only after a 429).
// When its answer is lost (httpx.ErrAmbiguous), the resources of that name
// are listed again and one that was not there before and matches what was
// asked is adopted; otherwise the create is reported as failed.
type CreateOnce[T any] struct {
	Provider string // "PolyScale", for messages
	Kind     string // "cache", for messages
	Name     string
	ListCmd  string                                 // "cachelink list polyscale", for the hint
	Before   []T                                    // the resources of that name before the create
	Named    func(ctx context.Context) ([]T, error) // the resources of that name now
	ID       func(*T) string
	Matches  func(*T) bool // it is what the create asked for
	Fetch    func(ctx context.Context, id string) (*T, error)
	IOStream *iostreams.IOStreams
}

// Do runs create under the rule.
func (c CreateOnce[T]) Do(ctx context.Context, create func(ctx context.Context) (*T, error)) (*T, error) {
	stop := func() {}
	if c.IOStream != nil {
		stop = c.IOStream.StartProgress(fmt.Sprintf("Creating %s %s %s…", c.Provider, c.Kind, c.Name))
	}
	made, err := create(ctx)
	stop()
	if err != nil && ctx.Err() != nil && c.IOStream != nil {
		// Interrupted (Ctrl-C, SIGTERM) with the create under way: it may
		// have reached the provider all the same.
		c.IOStream.WarnHint(fmt.Sprintf("Check with '%s' before trying again.", c.ListCmd),
			"interrupted during the create: the %s %s %q may exist all the same", c.Provider, c.Kind, c.Name)
	}
	if err == nil || !errors.Is(err, httpx.ErrAmbiguous) || ctx.Err() != nil {
		return made, err
	}
	c.IOStream.Warnf("the answer to the create was lost (%v); looking the %s up by name", err, c.Kind)
	after, lerr := c.Named(ctx)
	if lerr != nil {
		return nil, clierr.Wrap(clierr.Unreachable, fmt.Errorf("the create of %q may or may not have happened, and listing could not tell: %w", c.Name, err)).
			WithHint(fmt.Sprintf("Run '%s' before trying again, so as not to create it twice.", c.ListCmd))
	}
	known := map[string]bool{}
	for i := range c.Before {
		known[c.ID(&c.Before[i])] = true
	}
	for i := range after {
		if r := &after[i]; !known[c.ID(r)] && c.Matches(r) {
			c.IOStream.Warnf("%s had created the %s; adopting %s", c.Provider, c.Kind, c.ID(r))
			if c.Fetch == nil {
				return r, nil
			}
			return c.Fetch(ctx, c.ID(r))
		}
	}
	// Not found now does not mean not made: the provider may still be
	// carrying the create out.
	return nil, clierr.Wrap(clierr.Unreachable, fmt.Errorf("the answer to the create of the %s %q was lost, and it is not listed yet: it may still appear: %w", c.Kind, c.Name, err)).
		WithHint(fmt.Sprintf("Run '%s' in a minute to check before trying again (then --if-not-exists uses it if it is there).", c.ListCmd))
}

// RefuseDuplicate is the error of a create whose name is taken (exit 1):
// a second resource of the same name makes every command that takes the
// name ambiguous, so it takes --allow-duplicate. ids are the existing ones.
func RefuseDuplicate(provider, kind, name string, ids []string) error {
	return clierr.Errorf("%s already has a %s named %q (%s)", provider, kind, name, strings.Join(ids, ", ")).
		WithHint(fmt.Sprintf("Pass --if-not-exists to use it, or --allow-duplicate to create another %s of that name.", kind))
}

// Deleted is what the error of a DELETE request means to a delete command:
// NotFound is success, as a DELETE that is resent after its first attempt
// went through (and the answer was lost) finds nothing.
func Deleted(err error) error {
	if clierr.KindOf(err) == clierr.NotFound {
		return nil
	}
	return err
}
