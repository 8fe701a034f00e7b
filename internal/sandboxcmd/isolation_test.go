package sandboxcmd

// The sandbox is isolated: what `serve` exports sends cachelink's logins to
// a configuration directory of the sandbox's own and the file store, so that
// no sandbox login can replace a real one in the system keychain.

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/cmdtest"
)

// parseExports reads `export NAME=VALUE` lines, undoing sandbox.ShellQuote.
func parseExports(t *testing.T, s string) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		kv, ok := strings.CutPrefix(line, "export ")
		name, value, ok2 := strings.Cut(kv, "=")
		if !ok || !ok2 {
			t.Fatalf("not an export line: %q", line)
		}
		if len(value) >= 2 && value[0] == '\'' && value[len(value)-1] == '\'' {
			value = strings.ReplaceAll(value[1:len(value)-1], `'\''`, `'`)
		}
		env[name] = value
	}
	return env
}

func checkPrivateDir(t *testing.T, dir string) {
	t.Helper()
	if !filepath.IsAbs(dir) {
		t.Errorf("CACHELINK_CONFIG_DIR %q is not absolute: it must work from any directory", dir)
	}
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		t.Fatalf("CACHELINK_CONFIG_DIR %q: %v, want an existing directory", dir, err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("CACHELINK_CONFIG_DIR %q has mode %v, want 0700", dir, perm)
	}
}

func TestPrintEnvIsolatesCachelinkByDefault(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	if code := Run(context.Background(), []string{"serve", "--addr", "127.0.0.1:8085", "--print-env"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	env := parseExports(t, out.String())
	dir := env["CACHELINK_CONFIG_DIR"]
	if dir != "" {
		t.Cleanup(func() { os.RemoveAll(dir) })
	}
	if env["CACHELINK_TOKEN_STORE"] != "file" {
		t.Errorf("CACHELINK_TOKEN_STORE = %q, want file", env["CACHELINK_TOKEN_STORE"])
	}
	checkPrivateDir(t, dir)
	if !strings.HasPrefix(filepath.Base(dir), "cachelink-sandbox-") {
		t.Errorf("CACHELINK_CONFIG_DIR = %q, want a new temporary directory", dir)
	}
	if !strings.Contains(errOut.String(), dir) || !strings.Contains(errOut.String(), "keychain is not used") {
		t.Errorf("stderr does not say where logins go: %q", errOut.String())
	}
	if real, err := os.UserConfigDir(); err == nil && strings.HasPrefix(dir, filepath.Join(real, "cachelink")) {
		t.Errorf("CACHELINK_CONFIG_DIR = %q is cachelink's real configuration directory", dir)
	}
}

func TestPrintEnvKeepsLoginsNextToTheState(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	var out, errOut bytes.Buffer
	code := Run(context.Background(), []string{"serve", "--addr", "127.0.0.1:8085", "--print-env", "--state", filepath.Join(tmp, "sandbox.json")}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	env := parseExports(t, out.String())
	if want := filepath.Join(tmp, "sandbox-cachelink"); env["CACHELINK_CONFIG_DIR"] != want {
		t.Errorf("CACHELINK_CONFIG_DIR = %q, want %q", env["CACHELINK_CONFIG_DIR"], want)
	}
	checkPrivateDir(t, env["CACHELINK_CONFIG_DIR"])
	if env["CACHELINK_TOKEN_STORE"] != "file" {
		t.Errorf("CACHELINK_TOKEN_STORE = %q, want file", env["CACHELINK_TOKEN_STORE"])
	}
}

func TestServeRefusesCachelinksOwnConfigDir(t *testing.T) {
	t.Parallel()
	base, err := os.UserConfigDir()
	if err != nil {
		t.Skip("no user configuration directory here")
	}
	var out, errOut bytes.Buffer
	code := Run(context.Background(), []string{"serve", "--addr", "127.0.0.1:8085", "--print-env", "--config-dir", filepath.Join(base, "cachelink")}, &out, &errOut)
	if code != 2 || out.Len() != 0 || !strings.Contains(errOut.String(), "cachelink's own configuration directory") {
		t.Fatalf("exit %d, stdout %q, stderr %q; want a usage error and no export lines", code, out.String(), errOut.String())
	}
}

// TestServedSandboxNeverTouchesTheKeychain follows docs/sandbox.md: serve
// with --env-file, load the file, connect. The login must land in the
// exported directory's credentials file, with no keychain call at all.
func TestServedSandboxNeverTouchesTheKeychain(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{}) // the in-memory keychain counts calls
	redirect := "http://localhost:" + e.Port + "/callback"
	envFile := filepath.Join(t.TempDir(), "sandbox.env")
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"serve", "--auto-approve", "--env-file", envFile, "--redirect-uri", "polyscale=" + redirect}, &out, &errOut)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop")
		}
	})

	var written []byte
	for deadline := time.Now().Add(10 * time.Second); len(written) == 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		written, _ = os.ReadFile(envFile)
	}
	if len(written) == 0 {
		t.Fatalf("no env file; stderr: %s", errOut.String())
	}
	env := parseExports(t, string(written))
	dir := env["CACHELINK_CONFIG_DIR"]
	if dir != "" {
		t.Cleanup(func() { os.RemoveAll(dir) })
	}
	if dir == "" || dir == e.ConfigDir || env["CACHELINK_TOKEN_STORE"] != "file" {
		t.Fatalf("CACHELINK_CONFIG_DIR = %q, CACHELINK_TOKEN_STORE = %q; want a directory of the sandbox's own and file", dir, env["CACHELINK_TOKEN_STORE"])
	}
	for k, v := range env {
		e.Setenv(k, v) // as `. ./sandbox.env` does
	}
	e.Setenv("CACHELINK_POLYSCALE_REDIRECT_URL", redirect) // the Env's held port instead of 3000

	if r := e.Run("connect", "polyscale"); r.Code != 0 {
		t.Fatalf("connect: exit %d\n%s", r.Code, r.Stderr)
	}
	if r := e.Run("token", "polyscale"); r.Code != 0 || strings.TrimSpace(r.Stdout) == "" {
		t.Fatalf("token: exit %d, stdout %q\n%s", r.Code, r.Stdout, r.Stderr)
	}
	r := e.Run("status", "polyscale", "-o", "json")
	if !regexp.MustCompile(`"source":\s*"file"`).MatchString(r.Stdout) {
		t.Errorf("status -o json = %s, want source file", r.Stdout)
	}
	if n := e.Keyring.Calls.Load(); n != 0 {
		t.Errorf("%d keychain calls, want 0: a sandbox login must never reach the keychain", n)
	}
	if fi, err := os.Stat(filepath.Join(dir, "credentials.json")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("credentials.json in the exported directory: %v, %v; want a 0600 file", fi, err)
	}
	if _, err := os.Stat(filepath.Join(e.ConfigDir, "credentials.json")); err == nil {
		t.Error("the login was written to another configuration directory than the exported one")
	}
}
