package cmdutil

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/clierr"
)

func TestSuggest(t *testing.T) {
	t.Parallel()
	regions := []string{"us-east-1", "us-east-2", "eu-west-1", "eu-west-2", "us-central1", "europe-west1"}
	for _, tc := range []struct {
		value string
		want  []string
	}{
		{"eu-wst-1", []string{"eu-west-1"}},
		{"EU-WEST-1", []string{"eu-west-1"}},
		{"us-east-3", []string{"us-east-1", "us-east-2"}},
		{"us-central", []string{"us-central1"}},
		{"eu", []string{"eu-west-1", "eu-west-2", "europe-west1"}}, // a prefix
		{"mars", nil},
		{"", nil},
	} {
		if got := Suggest(tc.value, regions); !slices.Equal(got, tc.want) {
			t.Errorf("Suggest(%q) = %q, want %q", tc.value, got, tc.want)
		}
	}
	// Short words: one edit only.
	if got := Suggest("pq", []string{"pg", "mysql"}); !slices.Equal(got, []string{"pg"}) {
		t.Errorf("Suggest(pq) = %q", got)
	}
	if got := Suggest("xy", []string{"pg"}); got != nil {
		t.Errorf("Suggest(xy) = %q, want nothing", got)
	}
}

func TestDidYouMean(t *testing.T) {
	t.Parallel()
	if got := DidYouMean("jsn", []string{"text", "json"}); got != "Did you mean json?" {
		t.Errorf("got %q", got)
	}
	if got := DidYouMean("us-east-3", []string{"us-east-1", "us-east-2"}); got != "Did you mean us-east-1 or us-east-2?" {
		t.Errorf("got %q", got)
	}
	err := Suggesting(errors.New(`unknown region "eu-wst-1"`), "eu-wst-1", []string{"eu-west-1"})
	if clierr.KindOf(err) != clierr.Usage || clierr.HintOf(err) != "Did you mean eu-west-1?" {
		t.Errorf("Suggesting: kind %v, hint %q", clierr.KindOf(err), clierr.HintOf(err))
	}
	if Suggesting(nil, "x", nil) != nil {
		t.Error("Suggesting(nil) is not nil")
	}
	// The error's own hint, the valid values, follows the suggestion on
	// its line, and stands alone without one; the message is untouched.
	regions := []string{"us-east-1", "eu-west-1"}
	listed := clierr.Hinted(errors.New(`unknown region "eu-wst-1"`), ListHint("Regions", regions))
	err = Suggesting(listed, "eu-wst-1", regions)
	if err.Error() != `unknown region "eu-wst-1"` || clierr.HintOf(err) != "Did you mean eu-west-1? Regions: us-east-1, eu-west-1" {
		t.Errorf("Suggesting a listed error: %q, hint %q", err, clierr.HintOf(err))
	}
	if err := Suggesting(listed, "mars", regions); clierr.KindOf(err) != clierr.Usage || clierr.HintOf(err) != "Regions: us-east-1, eu-west-1" {
		t.Errorf("Suggesting without a suggestion: kind %v, hint %q", clierr.KindOf(err), clierr.HintOf(err))
	}
	err = OneOf("output", "jsn", "text", "json")
	if err.Error() != `invalid value "jsn" for --output` || clierr.HintOf(err) != "Did you mean json? Valid values: text, json" {
		t.Errorf("OneOf: %q, hint %q", err, clierr.HintOf(err))
	}
}

func TestCompleteFiltersAndCleans(t *testing.T) {
	t.Parallel()
	got, dir := Complete([]Choice{
		{Value: "shop", Description: "postgres\x1b[31m cache"},
		{Value: "shipping"},
		{Value: "bad\nname"},
		{Value: "shop"},
		{Value: "other"},
	}, "sh")
	want := []string{"shop\tpostgres[31m cache", "shipping"}
	if !slices.Equal(got, want) || dir != cobra.ShellCompDirectiveNoFileComp {
		t.Errorf("Complete = %q, %v; want %q, NoFileComp", got, dir, want)
	}
}

func TestCompleteFromAPINothingOnFailure(t *testing.T) {
	t.Parallel()
	cmd := &cobra.Command{}
	for name, list := range map[string]func(context.Context) ([]Choice, error){
		"error": func(context.Context) ([]Choice, error) { return Values("a"), errors.New("401") },
		"panic": func(context.Context) ([]Choice, error) { panic("boom") },
	} {
		got, dir := CompleteFromAPI(cmd, "", list)
		if len(got) != 0 || dir != cobra.ShellCompDirectiveNoFileComp {
			t.Errorf("%s: %q, %v", name, got, dir)
		}
	}
	// A list that ignores its context still ends the completion once the
	// context does (here: cancelled at once).
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cmd.SetContext(ctx)
	block := make(chan struct{})
	defer close(block)
	got, _ := CompleteFromAPI(cmd, "", func(context.Context) ([]Choice, error) { <-block; return Values("late"), nil })
	if len(got) != 0 {
		t.Errorf("a list that never returned gave %q", got)
	}
}

func TestNamedChoices(t *testing.T) {
	t.Parallel()
	type r struct{ id, name string }
	items := []r{{"id-1", "shop"}, {"id-2", "twin"}, {"id-3", "twin"}, {"id-4", ""}}
	id := func(x *r) string { return x.id }
	name := func(x *r) string { return x.name }
	none := func(*r) string { return "" }
	var got []string
	for _, c := range NamedChoices(items, id, name, none, "") {
		got = append(got, c.Value)
	}
	if want := []string{"shop", "id-2", "id-3", "id-4"}; !slices.Equal(got, want) {
		t.Errorf("NamedChoices = %q, want %q", got, want)
	}
	got = nil
	for _, c := range NamedChoices(items, id, name, none, "id-1") {
		got = append(got, c.Value)
	}
	if want := []string{"shop", "id-1", "id-2", "id-3", "id-4"}; !slices.Equal(got, want) {
		t.Errorf("NamedChoices(id-1) = %q, want %q", got, want)
	}
	// A prefix of a name and of an id: the name.
	items = append(items, r{"shop-id", "other"})
	got = nil
	for _, c := range NamedChoices(items, id, name, none, "sh") {
		got = append(got, c.Value)
	}
	if want := []string{"shop", "id-2", "id-3", "id-4", "other"}; !slices.Equal(got, want) {
		t.Errorf("NamedChoices(sh) = %q, want %q", got, want)
	}
}
