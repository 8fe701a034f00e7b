package cmdutil

// Shell completion and "did you mean": what every command uses to complete
// its arguments and flag values (`cachelink completion bash` and the
// hidden `__complete` command the scripts call), and to suggest the value
// a user probably meant.
//
// A completion never prompts, never opens a browser, never refreshes a
// token and never prints an error on stdout: names come from the
// provider's API with the credential as it is (the environment's, or the
// stored login unrefreshed), within CompletionTimeout; on any failure the
// shell gets nothing to complete, and no file names either.

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/editdist"
	"github.com/cachelink/cachelink/internal/provider"
)

// CompletionTimeout bounds a completion that asks a provider for names:
// the user is waiting at the prompt, and a slow answer is no answer.
const CompletionTimeout = 2 * time.Second

// Choice is one completion: Value is what is inserted, Description what
// shells that show descriptions (zsh, fish) print beside it.
type Choice struct {
	Value, Description string
}

// Complete turns choices into cobra's completions: those starting with
// toComplete, without file names. Values a shell cannot take as one word
// (empty, or holding a control character) are left out.
func Complete(choices []Choice, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	seen := map[string]bool{}
	for _, c := range choices {
		if !completable(c.Value) || seen[c.Value] || !strings.HasPrefix(c.Value, toComplete) {
			continue
		}
		seen[c.Value] = true
		d := strings.Map(func(r rune) rune {
			if !printable(r) {
				return -1
			}
			return r
		}, c.Description)
		if d == "" {
			out = append(out, c.Value)
		} else {
			out = append(out, cobra.CompletionWithDesc(c.Value, d))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

func completable(v string) bool {
	return v != "" && !strings.ContainsFunc(v, func(r rune) bool { return !printable(r) })
}

// printable reports whether a shell shows r as itself: no control
// character, nothing unprintable but the space.
func printable(r rune) bool {
	return !unicode.IsControl(r) && (unicode.IsPrint(r) || r == ' ')
}

// Values are fixed completions, without descriptions.
func Values(values ...string) []Choice {
	out := make([]Choice, len(values))
	for i, v := range values {
		out[i] = Choice{Value: v}
	}
	return out
}

// FixedCompletion completes a flag or argument from a fixed list.
func FixedCompletion(choices ...Choice) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return Complete(choices, toComplete)
	}
}

// CompleteFlag registers fn for the flag name of cmd. It panics when cmd
// has no such flag, or one is registered already: a mistake the
// completion tests catch.
func CompleteFlag(cmd *cobra.Command, name string, fn cobra.CompletionFunc) {
	if err := cmd.RegisterFlagCompletionFunc(name, fn); err != nil {
		panic("cachelink: completion of --" + name + " of " + cmd.Name() + ": " + err.Error())
	}
}

// CompleteFlagValues registers fixed completions for the flag name of cmd.
func CompleteFlagValues(cmd *cobra.Command, name string, values ...string) {
	CompleteFlag(cmd, name, FixedCompletion(Values(values...)...))
}

// FlagValue is the value the user typed for the flag name, as cobra parsed
// it before calling a completion func; "" when cmd has no such flag.
func FlagValue(cmd *cobra.Command, name string) string {
	if fl := cmd.Flags().Lookup(name); fl != nil {
		return fl.Value.String()
	}
	return ""
}

// FirstArg completes the first positional argument with fn, and nothing
// (no file names either) after it.
func FirstArg(fn cobra.CompletionFunc) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return fn(cmd, args, toComplete)
	}
}

// CompleteFromAPI completes toComplete with what list returns within
// CompletionTimeout. list gets a context that ends then; whatever it does
// after (a keychain that does not answer), the completion returns on
// time, with nothing. The same for any error, a panic included:
// completion is a convenience, never a failure.
func CompleteFromAPI(cmd *cobra.Command, toComplete string, list func(ctx context.Context) ([]Choice, error)) ([]cobra.Completion, cobra.ShellCompDirective) {
	parent := cmd.Context()
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithTimeout(parent, CompletionTimeout)
	defer cancel()
	type answer struct {
		choices []Choice
		err     error
	}
	done := make(chan answer, 1)
	go func() {
		defer func() {
			if recover() != nil {
				done <- answer{err: errors.New("completion panicked")}
			}
		}()
		choices, err := list(ctx)
		done <- answer{choices, err}
	}()
	select {
	case a := <-done:
		if a.err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return Complete(a.choices, toComplete)
	case <-ctx.Done():
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
}

// NamedChoices are the completions of resources that commands take by id
// or by name: the names, and the ids of resources whose name another
// shares (the name alone would be refused as ambiguous) or that have none;
// an id is offered for every resource once toComplete starts one and no
// name.
func NamedChoices[R any](items []R, id, name func(*R) string, describe func(*R) string, toComplete string) []Choice {
	count := map[string]int{}
	byID := toComplete != ""
	for i := range items {
		n := name(&items[i])
		count[n]++
		if n != "" && strings.HasPrefix(n, toComplete) {
			byID = false
		}
	}
	var out []Choice
	for i := range items {
		r := &items[i]
		n, d := name(r), describe(r)
		if n != "" && count[n] == 1 {
			out = append(out, Choice{Value: n, Description: d})
		}
		if n == "" || count[n] > 1 || byID && strings.HasPrefix(id(r), toComplete) {
			desc := n
			if d != "" {
				desc = strings.TrimSpace(n + " " + d)
			}
			out = append(out, Choice{Value: id(r), Description: desc})
		}
	}
	return out
}

// CompletionClient returns the constructor of p's API client for
// completions: like APIClient, but its requests carry the credential as it
// is, from the environment or the stored login of the --profile in use,
// never refreshed or replaced, and are sent once. An expired token or no
// login at all is an error, which completions turn into nothing.
func CompletionClient[C any](f *Factory, p provider.Provider, urlKey string, newClient func(baseURL string, hc *http.Client) *C) func() (*C, error) {
	return func() (*C, error) {
		cfg, err := f.Config()
		if err != nil {
			return nil, err
		}
		profile, err := f.Profile()
		if err != nil {
			return nil, err
		}
		base := f.HTTPClient()
		t := &completionTransport{f: f, p: p, profile: profile, base: base.Transport}
		return newClient(cfg.String(urlKey), &http.Client{Transport: t, Timeout: CompletionTimeout}), nil
	}
}

// completionTransport authorizes requests with the credential found once,
// as it is (see CompletionClient).
type completionTransport struct {
	f       *Factory
	p       provider.Provider
	profile string
	base    http.RoundTripper

	once sync.Once
	cred *provider.Credential
	err  error
}

func (t *completionTransport) credential() (*provider.Credential, error) {
	t.once.Do(func() {
		c, err := t.f.Accounts.Env(t.p)
		if c == nil && err == nil {
			c, err = t.f.Accounts.Stored(t.p, t.profile)
		}
		switch {
		case err != nil:
			t.err = err
		case c == nil:
			t.err = errors.New("not connected")
		case !c.Expiry.IsZero() && time.Now().After(c.Expiry):
			t.err = errors.New("the stored token has expired; completion does not refresh it")
		default:
			t.cred = c
		}
	})
	return t.cred, t.err
}

// RoundTrip implements http.RoundTripper.
func (t *completionTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c, err := t.credential()
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	out := req.Clone(req.Context())
	t.p.Authorize(out, c)
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(out)
}

// CompleteProfiles completes --profile with the profiles that hold a
// login of any provider, as the index of profiles lists them (no keychain
// is read); each described by its providers.
func (f *Factory) CompleteProfiles(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	store, err := f.Store()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	providers := map[string][]string{}
	var names []string
	for _, p := range f.Providers() {
		profiles, err := store.Profiles(p.Name())
		if err != nil {
			continue
		}
		for _, name := range profiles {
			if providers[name] == nil {
				names = append(names, name)
			}
			providers[name] = append(providers[name], p.Name())
		}
	}
	slices.Sort(names)
	choices := make([]Choice, len(names))
	for i, n := range names {
		choices[i] = Choice{Value: n, Description: strings.Join(providers[n], ", ")}
	}
	return Complete(choices, toComplete)
}

// CompleteProviders completes the first argument with the provider names.
func (f *Factory) CompleteProviders(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return Complete(Values(f.ProviderNames()...), toComplete)
}

// ---------------------------------------------------------------------------
// Did you mean

// Suggest returns the candidates closest to value: those within a small
// edit distance (one edit for short words, two from five characters on;
// case ignored, so a value that differs in case alone is the closest), or, failing that, those value is a prefix of, the closest
// first; nil when none is close.
func Suggest(value string, candidates []string) []string {
	v := strings.ToLower(value)
	if v == "" {
		return nil
	}
	limit := 1
	if len([]rune(v)) >= 5 {
		limit = 2
	}
	best, out := limit+1, []string(nil)
	for _, c := range candidates {
		d := editdist.Levenshtein(v, strings.ToLower(c))
		switch {
		case d > limit:
		case d < best:
			best, out = d, []string{c}
		case d == best && !slices.Contains(out, c):
			out = append(out, c)
		}
	}
	if out != nil {
		return out
	}
	for _, c := range candidates {
		if len(v) >= 2 && strings.HasPrefix(strings.ToLower(c), v) {
			out = append(out, c)
		}
	}
	return out
}

// DidYouMean is the hint for a value close to one of candidates ("Did you
// mean eu-west-1?"), or "".
func DidYouMean(value string, candidates []string) string {
	s := Suggest(value, candidates)
	switch len(s) {
	case 0:
		return ""
	case 1:
		return "Did you mean " + s[0] + "?"
	}
	if len(s) > 3 {
		s = s[:3]
	}
	return "Did you mean " + strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1] + "?"
}

// Suggesting returns err as a usage error (exit 2) whose hint is
// DidYouMean, when value is close to one of candidates, followed by err's
// own hint (the valid values, see ListHint): "Did you mean eu-west-1?
// Regions: us-east-1, ...". The message stays on the first line alone.
func Suggesting(err error, value string, candidates []string) error {
	if err == nil {
		return nil
	}
	var e *clierr.Error
	if !errors.As(err, &e) || e.Kind != clierr.Usage {
		e = clierr.Wrap(clierr.Usage, err)
	}
	hint := DidYouMean(value, candidates)
	if own := clierr.HintOf(err); own != "" {
		hint = strings.TrimSpace(hint + " " + own)
	}
	if hint != "" {
		return e.WithHint(hint)
	}
	return e
}

// ListHint is the hint that lists the valid values of something: label,
// a colon and the values ("Regions: us-east-1, eu-west-1"). It follows
// the error's first line, which names the value refused, never the list.
func ListHint(label string, values []string) string {
	return label + ": " + strings.Join(values, ", ")
}

// UnknownSubcommand is the Args of a command whose subcommands do the
// work (`rules`): an argument that names none is a usage error suggesting
// the closest.
func UnknownSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	e := clierr.Usagef("unknown command %q for %q", args[0], cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's default, set where cobra suggests
	}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		return e.WithHint("Did you mean '" + cmd.CommandPath() + " " + s[0] + "'?")
	}
	return e
}

// MarkFileFlag says that the flag name of fs takes a file name: the shell
// completes file names for it (CompleteRest leaves it alone).
func MarkFileFlag(fs *pflag.FlagSet, name string) {
	_ = fs.SetAnnotation(name, cobra.BashCompFilenameExt, []string{})
}

// CompleteRest completes nothing, rather than file names, wherever no
// completion was registered in the tree under cmd: the arguments of
// commands without ValidArgs or ValidArgsFunction, and the values of
// flags that are not marked as taking a file (MarkFileFlag). Run once the
// tree is built.
func CompleteRest(cmd *cobra.Command) {
	if cmd.ValidArgsFunction == nil && len(cmd.ValidArgs) == 0 && !cmd.HasSubCommands() {
		cmd.ValidArgsFunction = cobra.NoFileCompletions
	}
	for _, fs := range []*pflag.FlagSet{cmd.Flags(), cmd.PersistentFlags()} {
		fs.VisitAll(func(fl *pflag.Flag) {
			if fl.NoOptDefVal != "" || fl.Value.Type() == "bool" {
				return // no value to complete
			}
			if _, file := fl.Annotations[cobra.BashCompFilenameExt]; file {
				return
			}
			if _, ok := cmd.GetFlagCompletionFunc(fl.Name); ok {
				return
			}
			CompleteFlag(cmd, fl.Name, cobra.NoFileCompletions)
		})
	}
	for _, c := range cmd.Commands() {
		CompleteRest(c)
	}
}
