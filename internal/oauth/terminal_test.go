package oauth_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/cachelink/cachelink/internal/oauth"
)

// ReadLine takes one line and not a byte more, so the next reader of the
// terminal (a later prompt) gets the rest.
func TestReadLine(t *testing.T) {
	t.Parallel()
	type read struct {
		line string
		err  error
	}
	for _, tc := range []struct {
		name string
		in   string
		max  int
		want []read
	}{
		{"lines", "shop\n\nyes\n", 0, []read{{"shop", nil}, {"", nil}, {"yes", nil}, {"", io.EOF}}},
		{"CRLF", "shop\r\nyes\r\n", 0, []read{{"shop", nil}, {"yes", nil}, {"", io.EOF}}},
		{"a last line without a newline", "shop\nyes", 0, []read{{"shop", nil}, {"yes", nil}, {"", io.EOF}}},
		{"nothing", "", 0, []read{{"", io.EOF}, {"", io.EOF}}},
		{"too long", "abcdef\nok\n", 4, []read{{"abcd", oauth.ErrLineTooLong}, {"ef", nil}, {"ok", nil}}},
		{"exactly max", "abcd\n", 4, []read{{"abcd", oauth.ErrLineTooLong}, {"", nil}, {"", io.EOF}}},
		{"multi-byte", "名前\n", 0, []read{{"名前", nil}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// The last bytes come with io.EOF, as some readers send them.
			in := iotest.DataErrReader(strings.NewReader(tc.in))
			for i, want := range tc.want {
				line, err := oauth.ReadLine(in, tc.max)
				if line != want.line || !errors.Is(err, want.err) || (want.err == nil && err != nil) {
					t.Errorf("read %d = %q, %v; want %q, %v", i, line, err, want.line, want.err)
				}
			}
		})
	}
}

func TestReadLineLeavesTheRestUnread(t *testing.T) {
	t.Parallel()
	in := strings.NewReader("yes\nnext prompt\n")
	if line, err := oauth.ReadLine(in, 1024); line != "yes" || err != nil {
		t.Fatalf("ReadLine = %q, %v", line, err)
	}
	if rest, _ := io.ReadAll(in); string(rest) != "next prompt\n" {
		t.Errorf("left %q unread, want the next line", rest)
	}
}

func TestReadLineReturnsAReadError(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	in := io.MultiReader(strings.NewReader("par"), iotest.ErrReader(boom))
	if line, err := oauth.ReadLine(in, 0); line != "par" || !errors.Is(err, boom) {
		t.Errorf("ReadLine = %q, %v; want the partial line and the error", line, err)
	}
}

// A Terminal hands out the lines ReadLine reads: CRLF trimmed, a last line
// without a newline kept, and the end of the input reported once they are
// taken.
func TestTerminalLines(t *testing.T) {
	t.Parallel()
	term := oauth.NewTerminal(strings.NewReader("one\r\n\ntwo"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, want := range []string{"one", "", "two"} {
		if line, ok := term.Next(ctx); !ok || line != want {
			t.Errorf("Next = %q, %v; want %q", line, ok, want)
		}
	}
	if line, ok := term.Next(ctx); ok {
		t.Errorf("Next after the end = %q, want the end of the input", line)
	}
}
