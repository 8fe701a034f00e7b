package provider

import (
	"fmt"
	"strings"

	"github.com/cachelink/cachelink/internal/clierr"
)

// Resources names a provider's resources in the errors of a lookup by id
// or by name, which every provider's commands report alike.
type Resources struct {
	Title  string // the provider's name for people: "PolyScale"
	Name   string // the provider on the command line: "polyscale"
	Noun   string // "cache"
	Plural string // "caches"
}

// NoSuchID is the error for an id that names no resource: exit 3.
func (r Resources) NoSuchID(id string) error {
	return clierr.NotFoundf("no %s %s with id %s", r.Title, r.Noun, id).WithHint(r.listHint())
}

// OneNamed returns the resource called name, given named, the resources
// of that name: none is exit 3, and a name several share is exit 2,
// listing their ids (id returns one).
func OneNamed[T any](r Resources, name string, named []T, id func(*T) string) (*T, error) {
	switch len(named) {
	case 0:
		return nil, clierr.NotFoundf("no %s %s named %q", r.Title, r.Noun, name).WithHint(r.listHint())
	case 1:
		return &named[0], nil
	}
	ids := make([]string, len(named))
	for i := range named {
		ids[i] = id(&named[i])
	}
	return nil, clierr.Usagef("%d %s %s are named %q: %s", len(named), r.Title, r.Plural, name, strings.Join(ids, ", ")).
		WithHint(fmt.Sprintf("Use the %s id instead of the name.", r.Noun))
}

// listHint says how to see the resources.
func (r Resources) listHint() string {
	return fmt.Sprintf("Run 'cachelink list %s' to see the %s.", r.Name, r.Plural)
}
