package cmdtest

import (
	"regexp"
	"time"

	"github.com/cachelink/cachelink/internal/iostreams"
)

// SpinnerAtOnce is RunOptions.Progress for a test of the spinner: it is
// drawn as soon as a wait starts and never turns, so a run's stderr shows
// each label once, whatever the machine's speed.
func SpinnerAtOnce() *iostreams.ProgressOptions {
	never := func(time.Duration) (<-chan time.Time, func()) { return nil, func() {} }
	return &iostreams.ProgressOptions{Delay: 0, After: never, Tick: never, Width: func() int { return 200 }}
}

// spinnerRE matches what a spinner writes: a frame and its label, or the
// erasing of its line.
var spinnerRE = regexp.MustCompile(`\r(?:[^\r\n\x1b]* [^\r\n\x1b]*)?\x1b\[K`)

// Spinners returns the labels a spinner showed in stderr, in order, and
// stderr without the spinner's bytes.
func Spinners(stderr string) (labels []string, rest string) {
	for _, m := range spinnerRE.FindAllString(stderr, -1) {
		if m != "\r\x1b[K" {
			_, label, _ := cutFrame(m)
			labels = append(labels, label)
		}
	}
	return labels, spinnerRE.ReplaceAllString(stderr, "")
}

// cutFrame splits "\r⠋ label\x1b[K" into the frame and the label.
func cutFrame(m string) (frame, label string, ok bool) {
	m = m[1 : len(m)-3]
	for i, r := range m {
		if r == ' ' {
			return m[:i], m[i+1:], true
		}
	}
	return "", m, false
}
