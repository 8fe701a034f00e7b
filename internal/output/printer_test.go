package output_test

import (
	"testing"

	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/output"
)

type item struct {
	ID   string `json:"id"`
	Port int    `json:"port"`
}

func run(t *testing.T, tty, asJSON bool, v any, text output.Text) (stdout, stderr string) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	ios.SetStdoutTTY(tty)
	if err := output.Print(ios, asJSON, v, text); err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String()
}

func TestPrintTable(t *testing.T) {
	t.Parallel()
	items := []item{{"a", 5432}, {"bbbbbb", 6379}}
	table := output.Table{
		Headers: []string{"ID", "ORIGIN", "STATE"},
		Rows:    [][]string{{"a", "db:5432", "on"}, {"bbbbbb", "cache\t\x1b[2J:6379", "off"}},
		Piped:   [][]string{{"a", "db", "5432", "on"}, {"bbbbbb", "cache\t\x1b[2J", "6379", "off"}},
		Empty:   "Nothing yet.",
	}
	tests := []struct {
		name         string
		tty, json    bool
		table        output.Table
		stdout, errs string
	}{
		{name: "terminal: aligned under a header, provider text on one line", tty: true, table: table,
			stdout: "ID      ORIGIN           STATE\n" +
				"a       db:5432          on\n" +
				"bbbbbb  cache  [2J:6379  off\n"},
		{name: "piped: the Piped rows, tab-separated, no header", table: table,
			stdout: "a\tdb\t5432\ton\nbbbbbb\tcache  [2J\t6379\toff\n"},
		{name: "piped without Piped rows: the Rows", table: output.Table{Headers: table.Headers, Rows: table.Rows},
			stdout: "a\tdb:5432\ton\nbbbbbb\tcache  [2J:6379\toff\n"},
		{name: "json on a terminal: indented", tty: true, json: true, table: table,
			stdout: "[\n  {\n    \"id\": \"a\",\n    \"port\": 5432\n  },\n  {\n    \"id\": \"bbbbbb\",\n    \"port\": 6379\n  }\n]\n"},
		{name: "json piped: one line", json: true, table: table,
			stdout: `[{"id":"a","port":5432},{"id":"bbbbbb","port":6379}]` + "\n"},
		{name: "empty on a terminal: the Empty message on stderr", tty: true, table: output.Table{Headers: table.Headers, Empty: "Nothing yet."},
			errs: "Nothing yet.\n"},
		{name: "empty on a terminal without a message: the header", tty: true, table: output.Table{Headers: table.Headers},
			stdout: "ID  ORIGIN  STATE\n"},
		{name: "empty piped: nothing", table: output.Table{Headers: table.Headers, Empty: "Nothing yet."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := items
			if len(tt.table.Rows) == 0 {
				v = []item{}
			}
			stdout, stderr := run(t, tt.tty, tt.json, v, tt.table)
			if stdout != tt.stdout {
				t.Errorf("stdout:\n%q\nwant\n%q", stdout, tt.stdout)
			}
			if stderr != tt.errs {
				t.Errorf("stderr: %q, want %q", stderr, tt.errs)
			}
		})
	}
	if stdout, _ := run(t, false, true, []item{}, output.Table{Empty: "Nothing yet."}); stdout != "[]\n" {
		t.Errorf("an empty list in JSON is [], got %q", stdout)
	}
}

func TestPrintDetail(t *testing.T) {
	t.Parallel()
	var d output.Detail
	d.Add("id", "a")
	d.Add("description", "two\nlines")
	const want = "id:          a\ndescription: two lines\n"
	for _, tty := range []bool{true, false} {
		if stdout, _ := run(t, tty, false, item{"a", 1}, d); stdout != want {
			t.Errorf("tty=%t, Width 0 (one space after the longest label):\n%q\nwant\n%q", tty, stdout, want)
		}
	}

	// A fixed Width keeps values in place whichever fields are present,
	// and a label longer than it still gets a space.
	d = output.Detail{Width: 8, Fields: []output.Field{{"id", "a"}, {"description", "b"}}}
	if stdout, _ := run(t, false, false, nil, d); stdout != "id:     a\ndescription: b\n" {
		t.Errorf("Width 8: %q", stdout)
	}

	if stdout, _ := run(t, true, true, item{"a", 1}, d); stdout != "{\n  \"id\": \"a\",\n  \"port\": 1\n}\n" {
		t.Errorf("json: %q", stdout)
	}
}
