package config

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/viper"

	"github.com/cachelink/cachelink/internal/editdist"
)

// UnknownKey is a key of the config file that no setting has: a typo such
// as polyscale.api_urll, which viper would ignore without a word. It is
// never an error (an old config file keeps working); the factory prints
// Warnings once per run.
type UnknownKey struct {
	Key string // as viper reads it: lower case, sections joined with "."
	// Section: a whole top-level section is unknown ("polyscal"), and Key
	// is its name; its keys are not listed one by one.
	Section bool
	// Suggestion is the known key (or section) Key probably meant, or "".
	Suggestion string
}

// maxUnknownWarnings bounds the warnings of one file.
const maxUnknownWarnings = 10

// Unknown are the keys of the config file that no setting has, sorted;
// nil when no file was read.
func (c *Config) Unknown() []UnknownKey { return c.unknown }

// Warnings are the lines to print on stderr about the config file, one per
// unknown key or section (at most maxUnknownWarnings, then how many more):
//
//	unknown key "polyscale.api_urll" in /home/me/.config/cachelink/config.yaml
//	Did you mean polyscale.api_url?
//
// A suggestion is a hint on a line of its own, as in every warning.
func (c *Config) Warnings() []string {
	var out []string
	for i, u := range c.unknown {
		if i == maxUnknownWarnings {
			out = append(out, fmt.Sprintf("%d more unknown keys in %s", len(c.unknown)-i, c.file))
			break
		}
		what := "key"
		if u.Section {
			what = "section"
		}
		w := fmt.Sprintf("unknown %s %q in %s", what, u.Key, c.file)
		if u.Suggestion != "" {
			w += "\nDid you mean " + u.Suggestion + "?"
		}
		out = append(out, w)
	}
	return out
}

// check validates the settings that every run needs to be right.
func (c *Config) check() error {
	if err := c.checkEndpoints(); err != nil {
		return err
	}
	_, err := c.Duration(APITimeout)
	return err
}

// unknownKeys reads the keys of the YAML config file data and returns
// those that are not in known (the settings every run has and the
// providers'). A section that holds no known key is reported once, as a
// section. The file was read by viper already, so data parses.
func unknownKeys(data []byte, known map[string]any) []UnknownKey {
	v := viper.New()
	v.SetConfigType("yaml")
	if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
		return nil
	}
	sections := map[string]bool{}
	keys := make([]string, 0, len(known))
	for k := range known {
		keys = append(keys, k)
		if s, _, ok := strings.Cut(k, "."); ok {
			sections[s] = true
		}
	}
	sort.Strings(keys)
	sectionNames := sortedKeys(sections)
	var out []UnknownKey
	seenSection := map[string]bool{}
	for _, k := range v.AllKeys() {
		if _, ok := known[k]; ok || sections[k] {
			continue // a known key, or a known section left empty
		}
		if s, _, nested := strings.Cut(k, "."); nested && !sections[s] {
			if _, isKey := known[s]; !isKey {
				if !seenSection[s] {
					seenSection[s] = true
					out = append(out, UnknownKey{Key: s, Section: true, Suggestion: closest(s, sectionNames)})
				}
				continue
			}
		}
		out = append(out, UnknownKey{Key: k, Suggestion: suggestKey(k, keys)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// suggestKey is the known key k was probably meant to be: one a typo or
// two away, or else the one key with the same last part in another section
// (edge_host at the top for polyscale.edge_host).
func suggestKey(k string, keys []string) string {
	if s := closest(k, keys); s != "" {
		return s
	}
	leaf := k[strings.LastIndexByte(k, '.')+1:]
	found := ""
	for _, known := range keys {
		if known[strings.LastIndexByte(known, '.')+1:] == leaf {
			if found != "" {
				return "" // several: no guess
			}
			found = known
		}
	}
	return found
}

// closest is the candidate at the smallest edit distance from s, if that
// is at most 2 (and less than s is long); the first in order on a tie.
func closest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editdist.Levenshtein(s, c); d < bestD && d < len(s) {
			best, bestD = c, d
		}
	}
	return best
}
