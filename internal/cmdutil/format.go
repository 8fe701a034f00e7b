package cmdutil

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/cachelink/cachelink/internal/clierr"
	"github.com/cachelink/cachelink/internal/envfile"
	"github.com/cachelink/cachelink/internal/iostreams"
)

// ResolveFormat reconciles --format, -o json and --write-env the same way
// for every command that prints a connection string: formats lists the
// values --format takes, the first being the default; -o json means
// --format json and --write-env means --format env, and a --format that
// disagrees with either is a usage error. --format json is kept as an
// alias of -o json: both come out of here as "json", so a command has one
// JSON code path and prints the same bytes for either.
func ResolveFormat(format string, json bool, writeEnv string, formats ...string) (string, error) {
	if format != "" {
		if err := OneOf("format", format, formats...); err != nil {
			return "", err
		}
	}
	if json {
		if format != "" && format != "json" {
			return "", clierr.Usagef("-o json and --format %s disagree", format).
				WithHint("Pass one of them: --format json is the same as -o json.")
		}
		format = "json"
	}
	if writeEnv != "" {
		if format != "" && format != "env" {
			return "", clierr.Usagef("--write-env writes env lines; it cannot be combined with --format %s or -o json", format)
		}
		format = "env"
	}
	if format == "" {
		format = formats[0]
	}
	return format, nil
}

// CheckEnvName refuses an --env-name that cannot be a variable name.
func CheckEnvName(name string) error {
	if !envfile.ValidKey(name) {
		return clierr.Usagef("invalid --env-name %q: use letters, digits and '_', not starting with a digit", name)
	}
	return nil
}

// PrintEnv writes entries as .env lines on stdout, or, with a writeEnv
// path, merges them into that file (WriteEnv) instead.
func PrintEnv(ios *iostreams.IOStreams, writeEnv string, entries []envfile.Entry) error {
	if writeEnv != "" {
		return WriteEnv(ios, writeEnv, entries)
	}
	s, err := envfile.Format(entries)
	if err != nil {
		return clierr.Wrap(clierr.Usage, err)
	}
	_, err = fmt.Fprint(ios.Out, s)
	return err
}

// WriteEnv merges entries into the .env file at path (the same keys
// replaced, the rest kept, 0600, atomic, never through a symlink) and says
// on stderr what changed.
func WriteEnv(ios *iostreams.IOStreams, path string, entries []envfile.Entry) error {
	res, err := envfile.Merge(path, entries)
	switch {
	case errors.Is(err, envfile.ErrSymlink), errors.Is(err, envfile.ErrNotRegular),
		errors.Is(err, envfile.ErrInvalidKey), errors.Is(err, envfile.ErrInvalidValue):
		return clierr.Wrap(clierr.Usage, err)
	case err != nil:
		return clierr.Errorf("writing %s: %w", path, err)
	}
	verb := "Added"
	if len(res.Replaced) > 0 {
		verb = "Updated"
	}
	keys := append(append([]string{}, res.Replaced...), res.Added...)
	fmt.Fprintf(ios.ErrOut, "%s %s %s in %s\n", ios.SuccessIcon(), verb, strings.Join(keys, ", "), path)
	if res.PermissionsTightened {
		ios.Warnf("%s was readable by others; it is now 0600 because it holds a password", path)
	}
	return nil
}

// writeEnvValue is the value of a --write-env flag: a string that cannot
// be empty, so that `--write-env ""` (an unset variable in a script) is a
// usage error instead of falling back to printing the secret on stdout.
type writeEnvValue struct{ p *string }

func (v writeEnvValue) String() string { return *v.p }
func (v writeEnvValue) Type() string   { return "string" }
func (v writeEnvValue) Set(s string) error {
	if s == "" {
		return errors.New("a file name is needed, not an empty string")
	}
	*v.p = s
	return nil
}

// WriteEnvFlag registers --write-env on fs, storing the path in p; an
// empty value is refused when the flags are parsed (exit 2).
func WriteEnvFlag(fs *pflag.FlagSet, p *string, usage string) {
	fs.Var(writeEnvValue{p}, "write-env", usage)
	MarkFileFlag(fs, "write-env")
}

// CheckOriginVar refuses a --write-env that would replace, in the file,
// the variable the origin was read from (--origin-env): the origin would
// be lost, and the edge string read back as an origin the next time.
func CheckOriginVar(writeEnv, envName, originEnv string) error {
	if writeEnv == "" || originEnv == "" || envName != originEnv {
		return nil
	}
	return clierr.Usagef("--write-env %s would replace %s, the variable the origin was read from", writeEnv, envName).
		WithHint(fmt.Sprintf("Pass --env-name with another name (e.g. --env-name CACHED_%s) to keep the origin.", envName))
}
