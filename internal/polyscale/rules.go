package polyscale

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// RuleType is the type of a cache rule, spelled as PolyScale's API does.
type RuleType string

// PolyScale's rule types. QUERY, TEMPLATE and TABLE rules carry a TTL; AUTO
// and MANUAL rules do not.
const (
	// RuleQuery caches the results of one exact query, keyed by QueryKey.
	RuleQuery RuleType = "QUERY"
	// RuleTemplate caches the results of a query template for a TTL.
	RuleTemplate RuleType = "TEMPLATE"
	// RuleTable caches the results that read a table for a TTL.
	RuleTable RuleType = "TABLE"
	// RuleAuto lets PolyScale decide whether and how long to cache a
	// template.
	RuleAuto RuleType = "AUTO"
	// RuleManual takes a template out of PolyScale's automatic caching.
	RuleManual RuleType = "MANUAL"
)

// Rule is a cache (TTL) rule.
type Rule struct {
	Key     string   `json:"key"`
	Type    RuleType `json:"type"`            // QUERY, TEMPLATE, TABLE, AUTO or MANUAL
	Value   *int64   `json:"value,omitempty"` // TTL in seconds, for QUERY, TEMPLATE and TABLE
	CacheID string   `json:"cacheId,omitempty"`
	Name    string   `json:"name,omitempty"`
}

// Merged is the rule an answer describes, with what the answer left out
// filled from sent, the rule that was asked for: an answer without a key
// (or no answer) is taken to be sent.
func Merged(got, sent *Rule) *Rule {
	if got == nil || got.Key == "" {
		return sent
	}
	return got
}

// RuleTarget is what a rule is for: a table, a query or a query template;
// or, to find a rule whatever its type, a bare key.
type RuleTarget int

// The targets of a rule.
const (
	// TargetTable is a table: its rule is a TABLE rule keyed by its name.
	TargetTable RuleTarget = iota + 1
	// TargetQuery is one SQL query: its rule is a QUERY rule keyed by
	// QueryKey of the SQL.
	TargetQuery
	// TargetTemplate is a query template: its rule is a TEMPLATE, AUTO or
	// MANUAL rule keyed by the template's id.
	TargetTemplate
	// TargetKey is a bare key: the rule with that key, whatever its type.
	TargetKey
)

// TTLType is the type of the rule a TTL for the target makes: TABLE for a
// table, QUERY for a query, TEMPLATE otherwise.
func (t RuleTarget) TTLType() RuleType {
	switch t {
	case TargetTable:
		return RuleTable
	case TargetQuery:
		return RuleQuery
	}
	return RuleTemplate
}

// Owns reports whether a rule of type typ can be the target's rule. Keys
// share one namespace per cache, so a table and a template of the same name
// have the same key; a rule of the other kind is not the target's. A bare
// key owns a rule of any type.
func (t RuleTarget) Owns(typ RuleType) bool {
	switch t {
	case TargetTable:
		return typ == RuleTable
	case TargetQuery:
		return typ == RuleQuery
	case TargetTemplate:
		return typ == RuleTemplate || typ == RuleAuto || typ == RuleManual
	}
	return true
}

// Plural names what the target is, in the plural: "tables", "queries",
// "templates" or "keys".
func (t RuleTarget) Plural() string {
	switch t {
	case TargetTable:
		return "tables"
	case TargetQuery:
		return "queries"
	case TargetTemplate:
		return "templates"
	}
	return "keys"
}

// QueryKeyLen is how many hex characters of the SQL's SHA-256 make the key
// of a QUERY rule.
const QueryKeyLen = 16

// QueryKey is the key of a QUERY rule: the first QueryKeyLen hex characters
// of the SHA-256 of the SQL without its surrounding whitespace.
func QueryKey(sql string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(sql)))
	return hex.EncodeToString(sum[:])[:QueryKeyLen]
}

// MaxTTL is the longest TTL PolyScale takes, in seconds (a 32-bit integer).
const MaxTTL = 1<<31 - 1

// Why ParseTTL refuses a TTL; a *TTLError wraps one of them.
var (
	// ErrTTLNoUnit is a bare number, such as 300: seconds or minutes?
	ErrTTLNoUnit = errors.New("has no unit")
	// ErrTTLSyntax is text that is not a duration.
	ErrTTLSyntax = errors.New("is not a duration")
	// ErrTTLTooShort is a TTL under one second (zero or negative).
	ErrTTLTooShort = errors.New("is too short: a rule caches for at least 1s")
	// ErrTTLNotWholeSeconds is a TTL with a fraction of a second.
	ErrTTLNotWholeSeconds = errors.New("is not a whole number of seconds")
	// ErrTTLTooLong is a TTL over MaxTTL seconds.
	ErrTTLTooLong = errors.New("is longer than PolyScale allows (2147483647s, about 68 years)")
)

// TTLError is a TTL that ParseTTL refused.
type TTLError struct {
	TTL string // the TTL as given
	Err error  // why: one of the ErrTTL errors
	// Rounded is, for ErrTTLNotWholeSeconds, the TTL rounded to whole
	// seconds (at least 1).
	Rounded int64
}

func (e *TTLError) Error() string { return fmt.Sprintf("TTL %q %v", e.TTL, e.Err) }

// Unwrap returns the ErrTTL error that says why.
func (e *TTLError) Unwrap() error { return e.Err }

// ParseTTL reads a TTL written as a Go duration (30s, 5m, 1h30m) of whole
// seconds, from 1s to MaxTTL seconds, and returns it in seconds. A TTL it
// refuses is a *TTLError.
func ParseTTL(s string) (int64, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		if _, nerr := strconv.ParseUint(s, 10, 64); nerr == nil {
			return 0, &TTLError{TTL: s, Err: ErrTTLNoUnit}
		}
		return 0, &TTLError{TTL: s, Err: ErrTTLSyntax}
	}
	switch {
	case d <= 0:
		return 0, &TTLError{TTL: s, Err: ErrTTLTooShort}
	case d%time.Second != 0:
		return 0, &TTLError{TTL: s, Err: ErrTTLNotWholeSeconds, Rounded: max(1, int64(d.Round(time.Second)/time.Second))}
	case d/time.Second > MaxTTL:
		return 0, &TTLError{TTL: s, Err: ErrTTLTooLong}
	}
	return int64(d / time.Second), nil
}

// FormatTTL writes seconds as a duration that ParseTTL accepts back: 90 is
// "1m30s", 3600 is "1h". Zero or less is written in seconds ("0s").
func FormatTTL(secs int64) string {
	if secs <= 0 {
		return strconv.FormatInt(secs, 10) + "s"
	}
	var b strings.Builder
	h, m, s := secs/3600, secs%3600/60, secs%60
	if h > 0 {
		fmt.Fprintf(&b, "%dh", h)
	}
	if m > 0 {
		fmt.Fprintf(&b, "%dm", m)
	}
	if s > 0 {
		fmt.Fprintf(&b, "%ds", s)
	}
	return b.String()
}
