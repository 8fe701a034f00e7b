package output

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/cachelink/cachelink/internal/iostreams"
	"github.com/cachelink/cachelink/internal/safetext"
)

// Text is the human and script form of a result, what Print writes when
// JSON is not asked for: a Table (list commands) or a Detail (get of one
// resource).
type Text interface {
	print(ios *iostreams.IOStreams) error
}

// Print writes a command's result to stdout: with asJSON, jsonValue as
// JSON (see JSON); otherwise text, in the form that suits where stdout
// goes. Every list and get command prints through it, so that tables,
// tab-separated lines and JSON look the same everywhere:
//
//	return output.Print(ios, f.Globals.JSON(), caches, output.Table{
//		Headers: []string{"ID", "NAME"},
//		Rows:    rows,
//		Empty:   "No caches yet: create one with ...",
//	})
//
// Every cell and value of text goes through safetext.Line, so that text
// from a provider can neither break a table nor drive the terminal.
func Print(ios *iostreams.IOStreams, asJSON bool, jsonValue any, text Text) error {
	if asJSON {
		return JSON(ios, jsonValue)
	}
	return text.print(ios)
}

// Table is a list of resources, one row each.
//
// On a terminal it is an aligned table (columns two spaces apart) under a
// header line of Headers. When there are no rows and Empty is set, Empty
// goes to stderr instead and nothing to stdout.
//
// Piped, each row is one line of tab-separated cells, without a header,
// for cut and awk; no row, no output. Piped rows are Piped when it is not
// nil (a script may want other columns than a person: a port of its own,
// seconds rather than "1m30s"), else Rows. An empty cell would shift
// columns for awk: write "-" instead.
type Table struct {
	Headers []string
	Rows    [][]string
	Piped   [][]string
	Empty   string
}

func (t Table) print(ios *iostreams.IOStreams) error {
	if !ios.IsStdoutTTY() {
		rows := t.Rows
		if t.Piped != nil {
			rows = t.Piped
		}
		w := bufio.NewWriter(ios.Out)
		for _, row := range rows {
			writeCells(w, row)
		}
		return w.Flush()
	}
	if len(t.Rows) == 0 && t.Empty != "" {
		_, err := fmt.Fprintln(ios.ErrOut, t.Empty)
		return err
	}
	tw := tabwriter.NewWriter(ios.Out, 0, 4, 2, ' ', 0)
	writeCells(tw, t.Headers)
	for _, row := range t.Rows {
		writeCells(tw, row)
	}
	return tw.Flush()
}

// writeCells writes cells separated by tabs and ended by a newline. The
// writers buffer; their Flush reports an error.
func writeCells(w io.Writer, cells []string) {
	for i, c := range cells {
		if i > 0 {
			io.WriteString(w, "\t")
		}
		io.WriteString(w, safetext.Line(c, 0))
	}
	io.WriteString(w, "\n")
}

// Detail is one resource as "label: value" lines, the same on a terminal
// and in a pipe. Values start at column Width (counted from 0): each
// label and its colon are padded with spaces up to it, with at least one
// space. Width 0 aligns the values one space after the longest label's
// colon. A command keeps the same Width whichever fields a resource has,
// so that its output does not move.
type Detail struct {
	// Title, when set, is a line of its own before the fields, which are
	// then indented by two spaces (Width counts from the indent).
	Title  string
	Width  int
	Fields []Field
}

// Field is one line of a Detail.
type Field struct {
	Label, Value string
}

// Add appends the line "label: value".
func (d *Detail) Add(label, value string) {
	d.Fields = append(d.Fields, Field{Label: label, Value: value})
}

func (d Detail) print(ios *iostreams.IOStreams) error {
	w := bufio.NewWriter(ios.Out)
	d.write(w)
	return w.Flush()
}

func (d Detail) write(w *bufio.Writer) {
	width := d.Width
	if width == 0 {
		for _, f := range d.Fields {
			width = max(width, len(f.Label)+2)
		}
	}
	indent := ""
	if d.Title != "" {
		w.WriteString(safetext.Line(d.Title, 0))
		w.WriteString("\n")
		indent = "  "
	}
	for _, f := range d.Fields {
		label := safetext.Line(f.Label, 0) + ":"
		w.WriteString(indent)
		w.WriteString(label)
		w.WriteString(strings.Repeat(" ", max(1, width-len(label))))
		w.WriteString(safetext.Line(f.Value, 0))
		w.WriteString("\n")
	}
}

// Details are several resources' Details, a blank line between two.
type Details []Detail

func (ds Details) print(ios *iostreams.IOStreams) error {
	w := bufio.NewWriter(ios.Out)
	for i, d := range ds {
		if i > 0 {
			w.WriteString("\n")
		}
		d.write(w)
	}
	return w.Flush()
}
