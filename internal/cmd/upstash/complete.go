package upstash

// Shell completion of Upstash's commands: database and index names from
// the API, of the kind --kind names or of every kind (see
// cmdutil.CompleteFromAPI for the rules every completion keeps), and the
// values of the flags that take one of a few, regions by kind. Also the
// "did you mean" of a region.

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/upstash"
)

// CompleteDatabases completes a Redis database id or name (run's
// --upstash) from the account's databases.
func CompleteDatabases(f *cmdutil.Factory) cobra.CompletionFunc {
	return completeResources(f, func(*cobra.Command) []string { return []string{KindRedis} })
}

// completeResources completes an id or name of the kinds kinds returns
// (read when the user presses Tab, so that --kind is known), the
// resources of each kind asked for at once.
func completeResources(f *cmdutil.Factory, kinds func(cmd *cobra.Command) []string) cobra.CompletionFunc {
	newClient := cmdutil.CompletionClient(f, upstash.Provider, upstash.KeyAPIURL, upstash.NewClient)
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		want := kinds(cmd)
		if len(want) == 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return cmdutil.CompleteFromAPI(cmd, toComplete, func(ctx context.Context) ([]cmdutil.Choice, error) {
			client, err := newClient()
			if err != nil {
				return nil, err
			}
			var (
				mu    sync.Mutex
				out   []cmdutil.Choice
				first error
				wg    sync.WaitGroup
			)
			add := func(cs []cmdutil.Choice, err error) {
				mu.Lock()
				defer mu.Unlock()
				if err != nil && first == nil {
					first = err
				}
				out = append(out, cs...)
			}
			for _, kind := range want {
				wg.Go(func() { add(kindChoices(ctx, client, kind, toComplete)) })
			}
			wg.Wait()
			if len(out) == 0 && first != nil {
				return nil, first
			}
			// Each kind's answer came when it came: the same order every time.
			slices.SortStableFunc(out, func(a, b cmdutil.Choice) int { return strings.Compare(a.Value, b.Value) })
			return out, nil
		})
	}
}

// kindChoices are the completions of the resources of one kind.
func kindChoices(ctx context.Context, client *upstash.Client, kind, toComplete string) ([]cmdutil.Choice, error) {
	if kind == KindRedis {
		dbs, err := client.ListDatabases(ctx)
		if err != nil {
			return nil, err
		}
		return cmdutil.NamedChoices(dbs,
			func(d *upstash.Database) string { return d.ID },
			func(d *upstash.Database) string { return d.Name },
			func(d *upstash.Database) string { return "Redis, " + d.PrimaryRegion },
			toComplete), nil
	}
	k := upstash.KindNamed(kind)
	if k == nil {
		return nil, nil
	}
	ixs, err := client.ListIndexes(ctx, k)
	if err != nil {
		return nil, err
	}
	return cmdutil.NamedChoices(ixs,
		func(ix *upstash.Index) string { return ix.ID },
		func(ix *upstash.Index) string { return ix.Name },
		func(ix *upstash.Index) string { return k.Title + ", " + ix.Region },
		toComplete), nil
}

// kindsOf are the kinds whose names complete a command's argument: that
// of --kind, or, without it, every kind of all (nil for a kind that takes
// no argument, such as qstash).
func kindsOf(all ...string) func(cmd *cobra.Command) []string {
	return func(cmd *cobra.Command) []string {
		kind := cmdutil.FlagValue(cmd, "kind")
		if kind == "" {
			return all
		}
		if slices.Contains(all, kind) {
			return []string{kind}
		}
		return nil
	}
}

// regionChoices are regions described by their platform.
func regionChoices(regions []string) []cmdutil.Choice {
	out := make([]cmdutil.Choice, len(regions))
	for i, r := range regions {
		out[i] = cmdutil.Choice{Value: r, Description: strings.ToUpper(upstash.PlatformOf(r))}
	}
	return out
}

// createRegions are the regions of `create upstash --kind`.
func createRegions(kind string) []string {
	if k := upstash.KindNamed(kind); k != nil {
		return k.Regions
	}
	return upstash.PrimaryRegions
}

// checkRegions is upstash.CheckRegions with a "did you mean" hint for an
// unknown primary or read region.
func checkRegions(primary string, reads []string) error {
	err := upstash.CheckRegions(primary, reads)
	if err == nil {
		return nil
	}
	if !slices.Contains(upstash.PrimaryRegions, primary) {
		return cmdutil.Suggesting(err, primary, upstash.PrimaryRegions)
	}
	for _, r := range reads {
		if !slices.Contains(upstash.ReadRegions, r) {
			return cmdutil.Suggesting(err, r, upstash.ReadRegions)
		}
	}
	return cmdutil.Suggesting(err, "", nil)
}

// checkIndexRegion is k.CheckRegion with a "did you mean" hint.
func checkIndexRegion(k *upstash.IndexKind, region string) error {
	return cmdutil.Suggesting(k.CheckRegion(region), region, k.Regions)
}

// checkPlan is upstash.CheckPlan with a "did you mean" hint.
func checkPlan(plan string) error {
	return cmdutil.Suggesting(upstash.CheckPlan(plan), plan, upstash.Plans)
}

// addCompletions registers the completions of Upstash's commands in pc.
// The other arguments and flag values (names, numbers) complete nothing:
// cmdutil.CompleteRest, once the tree is built.
func addCompletions(f *cmdutil.Factory, pc cmdutil.ProviderCommands) {
	resourceKinds := []string{KindRedis, KindVector, KindSearch}
	resources := cmdutil.FirstArg(completeResources(f, kindsOf(resourceKinds...)))
	for _, c := range []*cobra.Command{pc.Get, pc.Delete, pc.Connstr} {
		c.ValidArgsFunction = resources
	}
	for _, c := range []*cobra.Command{pc.Get, pc.Delete, pc.List} {
		cmdutil.CompleteFlagValues(c, "kind", resourceKinds...)
	}

	// create: the region, plan and index settings of the kind being made.
	c := pc.Create
	cmdutil.CompleteFlagValues(c, "kind", KindRedis, KindVector, KindSearch)
	cmdutil.CompleteFlag(c, "region", func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return cmdutil.Complete(regionChoices(createRegions(cmdutil.FlagValue(cmd, "kind"))), toComplete)
	})
	cmdutil.CompleteFlag(c, "read-region", func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		primary := cmdutil.FlagValue(cmd, "region")
		return cmdutil.Complete(regionChoices(slices.DeleteFunc(slices.Clone(upstash.ReadRegions), func(r string) bool { return r == primary })), toComplete)
	})
	cmdutil.CompleteFlag(c, "plan", func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		plans := upstash.Plans
		if k := upstash.KindNamed(cmdutil.FlagValue(cmd, "kind")); k != nil {
			plans = k.Plans
		}
		return cmdutil.Complete(cmdutil.Values(plans...), toComplete)
	})
	cmdutil.CompleteFlagValues(c, "similarity", lowered(upstash.SimilarityFunctions)...)
	cmdutil.CompleteFlagValues(c, "embedding-model", lowered(upstash.EmbeddingModels)...)
	cmdutil.CompleteFlagValues(c, "index-type", lowered(upstash.IndexTypes)...)
	cmdutil.CompleteFlagValues(c, "sparse-embedding-model", lowered(upstash.SparseEmbeddingModel)...)

	// connstr: the formats of the kind, QStash's regions.
	c = pc.Connstr
	cmdutil.CompleteFlagValues(c, "kind", KindRedis, KindVector, KindSearch, KindQStash)
	cmdutil.CompleteFlag(c, "format", func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		formats := connstrFormats
		switch kind := cmdutil.FlagValue(cmd, "kind"); {
		case kind == KindRedis:
			formats = []string{"redis", "rest", "env", "json"}
		case kind == KindQStash:
			formats = []string{"token", "env", "json"}
		case isIndexKind(kind):
			formats = []string{"env", "rest", "token", "json"}
		}
		return cmdutil.Complete(cmdutil.Values(formats...), toComplete)
	})
	cmdutil.CompleteFlagValues(c, "region", upstash.QStashRegions...)

	for _, x := range pc.Extra {
		if x.Name() != "reset-password" {
			continue
		}
		x.ValidArgsFunction = cmdutil.FirstArg(completeResources(f, kindsOf(KindRedis)))
		cmdutil.CompleteFlagValues(x, "kind", KindRedis, KindQStash)
		cmdutil.CompleteFlagValues(x, "region", upstash.QStashRegions...)
	}
}
