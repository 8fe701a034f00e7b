// Package clierr gives errors the meaning that decides cachelink's exit
// code. Commands wrap what went wrong in one of these kinds; internal/app maps
// the kind to the documented exit code in one place and prints the message
// and its hint once, on stderr.
package clierr

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the exit code.
type Kind int

const (
	General     Kind = iota // exit 1: anything else
	Usage                   // exit 2: bad flag, bad argument, invalid input
	NotFound                // exit 3: cache, database or profile not found
	Auth                    // exit 4: not connected, or credentials rejected
	Unreachable             // exit 5: the provider could not be reached
	// Interrupted is exit 130 for an end the run's context does not see:
	// Ctrl-C typed at a prompt, where the terminal is in raw mode and
	// sends no signal (internal/prompt).
	Interrupted
)

// Error is an error with a Kind and an optional hint: the next thing the user
// should do, printed on its own line after the message.
type Error struct {
	Kind Kind
	Err  error
	Hint string
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// WithHint returns a copy of e carrying hint.
func (e *Error) WithHint(hint string) *Error {
	c := *e
	c.Hint = hint
	return &c
}

func newf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Err: fmt.Errorf(format, args...)}
}

// Usagef reports invalid input: exit 2.
func Usagef(format string, args ...any) *Error { return newf(Usage, format, args...) }

// NotFoundf reports a missing resource: exit 3.
func NotFoundf(format string, args ...any) *Error { return newf(NotFound, format, args...) }

// Authf reports missing or rejected credentials: exit 4.
func Authf(format string, args ...any) *Error { return newf(Auth, format, args...) }

// Errorf reports any other failure: exit 1.
func Errorf(format string, args ...any) *Error { return newf(General, format, args...) }

// Wrap gives err a kind, keeping it reachable with errors.Is and errors.As.
func Wrap(kind Kind, err error) *Error { return &Error{Kind: kind, Err: err} }

// KindOf returns the kind of the first *Error in err's chain, or General.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return General
}

// HintOf returns the first hint in err's chain: the Hint of an *Error
// that has one, or the Hint() of an error that knows what to do about
// itself (see Hinted). Chains of errors.Join are searched depth first.
func HintOf(err error) string {
	if err == nil {
		return ""
	}
	switch e := err.(type) {
	case *Error:
		if e.Hint != "" {
			return e.Hint
		}
	case interface{ Hint() string }:
		if h := e.Hint(); h != "" {
			return h
		}
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return HintOf(u.Unwrap())
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if h := HintOf(e); h != "" {
				return h
			}
		}
	}
	return ""
}

// Hinted returns err with hint, what to do about it, on its own line after
// the message (see HintOf), keeping err's kind and its chain: for the
// packages below the commands (credentials, config, oauth), whose errors
// are given a kind further up. A hint is one sentence that starts with a
// capital letter and ends with a period.
func Hinted(err error, hint string) error {
	if err == nil {
		return nil
	}
	return &hinted{err: err, hint: hint}
}

type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() }
func (h *hinted) Unwrap() error { return h.err }
func (h *hinted) Hint() string  { return h.hint }
