package polyscale_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"testing"

	"github.com/cachelink/cachelink/internal/polyscale"
)

func TestParseTTLAcceptsWholeSecondsUpToTheMaximum(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int64
	}{
		{"1s", 1},
		{"30s", 30},
		{"90s", 90},
		{"5m", 300},
		{"10m", 600},
		{"600s", 600},
		{"1h", 3600},
		{"1h30m", 5400},
		{"2147483647s", polyscale.MaxTTL},
	}
	for _, tt := range tests {
		got, err := polyscale.ParseTTL(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseTTL(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestParseTTLSaysWhyItRefusesATTL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    error
		rounded int64 // for ErrTTLNotWholeSeconds
	}{
		{"300", polyscale.ErrTTLNoUnit, 0},
		{"5 minutes", polyscale.ErrTTLSyntax, 0},
		{"", polyscale.ErrTTLSyntax, 0},
		{"-300", polyscale.ErrTTLSyntax, 0}, // a number, but not a bare count
		{"0", polyscale.ErrTTLTooShort, 0},  // "0" is a duration without a unit
		{"0s", polyscale.ErrTTLTooShort, 0},
		{"-5m", polyscale.ErrTTLTooShort, 0},
		{"1500ms", polyscale.ErrTTLNotWholeSeconds, 2},
		{"1400ms", polyscale.ErrTTLNotWholeSeconds, 1},
		{"100ms", polyscale.ErrTTLNotWholeSeconds, 1}, // never rounded to 0s
		{"2147483648s", polyscale.ErrTTLTooLong, 0},
	}
	for _, tt := range tests {
		got, err := polyscale.ParseTTL(tt.in)
		if !errors.Is(err, tt.want) {
			t.Errorf("ParseTTL(%q) = %d, %v; want %v", tt.in, got, err, tt.want)
			continue
		}
		var te *polyscale.TTLError
		if !errors.As(err, &te) {
			t.Errorf("ParseTTL(%q): %T is not a *TTLError", tt.in, err)
			continue
		}
		if te.TTL != tt.in || te.Rounded != tt.rounded {
			t.Errorf("ParseTTL(%q): TTL %q, Rounded %d; want %q, %d", tt.in, te.TTL, te.Rounded, tt.in, tt.rounded)
		}
	}
}

func TestFormatTTLIsADurationParseTTLReadsBack(t *testing.T) {
	t.Parallel()
	tests := []struct {
		secs int64
		want string
	}{
		{1, "1s"},
		{30, "30s"},
		{90, "1m30s"},
		{300, "5m"},
		{600, "10m"},
		{3600, "1h"},
		{3601, "1h1s"},
		{5400, "1h30m"},
		{polyscale.MaxTTL, "596523h14m7s"},
		{0, "0s"},
		{-5, "-5s"},
	}
	for _, tt := range tests {
		got := polyscale.FormatTTL(tt.secs)
		if got != tt.want {
			t.Errorf("FormatTTL(%d) = %q, want %q", tt.secs, got, tt.want)
		}
		if tt.secs <= 0 {
			continue
		}
		if back, err := polyscale.ParseTTL(got); err != nil || back != tt.secs {
			t.Errorf("ParseTTL(FormatTTL(%d)) = %d, %v", tt.secs, back, err)
		}
	}
}

func TestQueryKeyIsTheSQLsHashWithoutSurroundingWhitespace(t *testing.T) {
	t.Parallel()
	const sql = "SELECT * FROM products WHERE id = $1"
	sum := sha256.Sum256([]byte(sql))
	want := hex.EncodeToString(sum[:])[:polyscale.QueryKeyLen]
	for _, in := range []string{sql, "  " + sql + "\n", "\t" + sql} {
		if got := polyscale.QueryKey(in); got != want {
			t.Errorf("QueryKey(%q) = %q, want %q", in, got, want)
		}
	}
	if len(want) != 16 {
		t.Errorf("a query key has %d characters, want 16", len(want))
	}
	if polyscale.QueryKey("SELECT 1") == want {
		t.Error("two queries have the same key")
	}
}

func TestRuleTargetTypes(t *testing.T) {
	t.Parallel()
	all := []polyscale.RuleType{polyscale.RuleQuery, polyscale.RuleTemplate, polyscale.RuleTable, polyscale.RuleAuto, polyscale.RuleManual}
	tests := []struct {
		target  polyscale.RuleTarget
		ttlType polyscale.RuleType
		owns    []polyscale.RuleType
		plural  string
	}{
		{polyscale.TargetTable, polyscale.RuleTable, []polyscale.RuleType{polyscale.RuleTable}, "tables"},
		{polyscale.TargetQuery, polyscale.RuleQuery, []polyscale.RuleType{polyscale.RuleQuery}, "queries"},
		{polyscale.TargetTemplate, polyscale.RuleTemplate, []polyscale.RuleType{polyscale.RuleTemplate, polyscale.RuleAuto, polyscale.RuleManual}, "templates"},
		{polyscale.TargetKey, polyscale.RuleTemplate, all, "keys"},
	}
	for _, tt := range tests {
		if got := tt.target.TTLType(); got != tt.ttlType {
			t.Errorf("%s: TTLType() = %s, want %s", tt.plural, got, tt.ttlType)
		}
		if got := tt.target.Plural(); got != tt.plural {
			t.Errorf("Plural() = %q, want %q", got, tt.plural)
		}
		for _, typ := range all {
			want := false
			for _, o := range tt.owns {
				want = want || o == typ
			}
			if got := tt.target.Owns(typ); got != want {
				t.Errorf("%s: Owns(%s) = %v, want %v", tt.plural, typ, got, want)
			}
		}
	}
}

func TestMergedFillsWhatTheAnswerLeftOut(t *testing.T) {
	t.Parallel()
	sent := &polyscale.Rule{Key: "orders", Type: polyscale.RuleTable, Name: "sent"}
	got := &polyscale.Rule{Key: "orders", Type: polyscale.RuleTable, Name: "answered"}
	if r := polyscale.Merged(got, sent); r != got {
		t.Errorf("an answer with a key: Merged = %+v, want the answer", r)
	}
	if r := polyscale.Merged(&polyscale.Rule{}, sent); r != sent {
		t.Errorf("an empty answer: Merged = %+v, want what was sent", r)
	}
	if r := polyscale.Merged(nil, sent); r != sent {
		t.Errorf("no answer: Merged = %+v, want what was sent", r)
	}
}

// The typed rule keeps the wire shape: type is a plain string.
func TestRuleJSONWireShape(t *testing.T) {
	t.Parallel()
	v := int64(300)
	b, err := json.Marshal(polyscale.Rule{Key: "orders", Type: polyscale.RuleTable, Value: &v})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"key":"orders","type":"TABLE","value":300}`; string(b) != want {
		t.Errorf("JSON = %s, want %s", b, want)
	}
	var r polyscale.Rule
	if err := json.Unmarshal([]byte(`{"key":"t1","type":"AUTO","cacheId":"c1","name":"n"}`), &r); err != nil {
		t.Fatal(err)
	}
	if r.Type != polyscale.RuleAuto || r.Value != nil || r.CacheID != "c1" || r.Name != "n" {
		t.Errorf("decoded %+v", r)
	}
}
