package upstash

// Prompts on a terminal for what `create upstash` was not given: the
// name, the region (nearest first where the time zone tells), and for a
// Vector index the similarity function and the dimensions. Without a
// terminal, or with --no-input, nothing is asked and the flags' errors
// are exactly those of a script.

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/cachelink/cachelink/internal/cmdutil"
	"github.com/cachelink/cachelink/internal/prompt"
	"github.com/cachelink/cachelink/internal/upstash"
)

// askCreate fills in, on a terminal, what opts lacks. The values typed or
// picked are checked as the flags are, afterwards, by createRun.
func askCreate(ctx context.Context, opts *CreateOptions) error {
	if opts.Ask == nil {
		return nil
	}
	noun, idWord := "Redis database", "database id"
	if k := upstash.KindNamed(opts.Index.Kind); k != nil {
		noun, idWord = k.Noun(), "index id"
	}
	vector := opts.Index.Kind == KindVector
	x := &opts.Index
	needDims := vector && x.Dimensions == 0 && x.EmbeddingModel == "" && !strings.EqualFold(x.IndexType, "sparse")
	if opts.Name != "" && opts.Region != "" && (!vector || x.Similarity != "") && !needDims {
		return nil
	}
	p := opts.Ask()
	if p == nil {
		return nil
	}
	var err error
	if opts.Name == "" {
		if opts.Name, err = cmdutil.AskName(ctx, p, "Name of the new Upstash "+noun, idWord); err != nil {
			return err
		}
	}
	if opts.Region == "" {
		if opts.Region, err = askRegion(ctx, p, createRegions(opts.Index.Kind), opts.Zone()); err != nil {
			return err
		}
	}
	if vector && x.Similarity == "" {
		var options []prompt.Option
		for _, s := range lowered(upstash.SimilarityFunctions) {
			options = append(options, prompt.Option{Label: s, Value: s})
		}
		if x.Similarity, err = p.Select(ctx, prompt.Question{Title: "Similarity function (--similarity)"}, options); err != nil {
			return err
		}
	}
	if needDims {
		dims, err := p.Input(ctx, prompt.Question{
			Title:       "Dimensions of a vector (--dimensions)",
			Description: "The size of your embedding model's vectors; or pass --embedding-model " + lower(upstash.EmbeddingModels),
			Validate: func(s string) error {
				if n, err := strconv.Atoi(strings.TrimSpace(s)); err != nil || n < 1 {
					return fmt.Errorf("type a positive whole number")
				}
				return nil
			},
		})
		if err != nil {
			return err
		}
		x.Dimensions, _ = strconv.Atoi(strings.TrimSpace(dims))
	}
	return nil
}

// askRegion picks a region from regions, the nearest first where the
// time zone zone tells where the user is; where it cannot be told (UTC,
// as on most servers, an unknown zone, Windows) they stay in Upstash's
// published order, and the prompt says so.
func askRegion(ctx context.Context, p prompt.Prompter, regions []string, zone string) (string, error) {
	sorted, near := upstash.NearestFirst(regions, zone)
	desc := "Your time zone does not tell where you are: Upstash's order."
	if near {
		desc = fmt.Sprintf("Nearest first, as your time zone (%s) suggests.", zone)
	}
	options := make([]prompt.Option, len(sorted))
	for i, r := range sorted {
		label := r
		if city := upstash.RegionCity(r); city != "" {
			label = fmt.Sprintf("%s (%s)", r, city)
		}
		options[i] = prompt.Option{Label: label, Value: r}
	}
	return p.Select(ctx, prompt.Question{Title: "Region (--region)", Description: desc}, options)
}
