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

// HintOf returns the hint of the first *Error in err's chain that has one.
func HintOf(err error) string {
	for err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return ""
		}
		if e.Hint != "" {
			return e.Hint
		}
		err = e.Err
	}
	return ""
}
