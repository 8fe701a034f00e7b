package cmdtest

// Real client programs (psql, redis-cli), for the tests that check a
// printed connection string against a real server.

import (
	"context"
	"os/exec"
	"strings"
	"time"
)

// RunClient runs the client program name with args for at most timeout
// and returns what it wrote to stdout and stderr. Its environment is
// extraEnv followed by e's (Environ) without the variables whose names
// start with dropPrefix (the client's own settings, such as PG or
// REDISCLI_, which would change what it does).
func (e *Env) RunClient(timeout time.Duration, dropPrefix string, extraEnv []string, name string, args ...string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	env := append([]string(nil), extraEnv...)
	for _, kv := range e.Environ() {
		if !strings.HasPrefix(kv, dropPrefix) {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	var errBuf strings.Builder
	cmd.Stderr = &errBuf
	out, err := cmd.Output()
	return string(out), errBuf.String(), err
}
