package sandboxcmd

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestServeRefusesNonLoopbackAddresses(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"0.0.0.0:8085", ":8085", "192.168.1.10:8085", "example.com:80"} {
		var out, errOut bytes.Buffer
		code := Run(context.Background(), []string{"serve", "--addr", addr}, &out, &errOut)
		if code != 2 {
			t.Errorf("--addr %s: exit %d, want 2 (stderr %q)", addr, code, errOut.String())
		}
	}
}

func TestPrintEnvPointsCachelinkAtTheSandbox(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	dir := filepath.Join(t.TempDir(), "sandbox config")
	code := Run(context.Background(), []string{"serve", "--addr", "127.0.0.1:8085", "--print-env", "--edge-host", "127.0.0.1:5433", "--config-dir", dir}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{
		"export CACHELINK_POLYSCALE_API_URL=http://127.0.0.1:8085\n",
		"export CACHELINK_POLYSCALE_AUTH_URL=http://127.0.0.1:8085/oauth2/auth\n",
		"export CACHELINK_POLYSCALE_TOKEN_URL=http://127.0.0.1:8085/oauth2/token\n",
		"export CACHELINK_POLYSCALE_REVOKE_URL=http://127.0.0.1:8085/oauth2/revoke\n",
		"export CACHELINK_POLYSCALE_CLIENT_ID=cachelink-sandbox\n",
		"export CACHELINK_POLYSCALE_CLIENT_SECRET=sandbox-polyscale-secret\n",
		"export CACHELINK_UPSTASH_API_URL=http://127.0.0.1:8085\n",
		"export CACHELINK_UPSTASH_AUTH_URL=http://127.0.0.1:8085/authorize\n",
		"export CACHELINK_UPSTASH_TOKEN_URL=http://127.0.0.1:8085/oauth/token\n",
		"export CACHELINK_UPSTASH_CLIENT_ID=cachelink-sandbox\n",
		"export CACHELINK_POLYSCALE_EDGE_HOST=127.0.0.1:5433\n",
		// Isolated from the keychain and the real configuration.
		"export CACHELINK_CONFIG_DIR='" + dir + "'\n",
		"export CACHELINK_TOKEN_STORE=file\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("missing %q in:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "POLYSCALE_API_KEY") {
		t.Error("no API key was asked for, none should be exported")
	}
}

func TestPrintEnvNeedsAFixedPort(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	if code := Run(context.Background(), []string{"serve", "--print-env"}, &out, &errOut); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
}

func TestRedirectURIFlag(t *testing.T) {
	t.Parallel()
	o := &serveOptions{redirectURIs: []string{"polyscale=http://localhost:4000/callback"}}
	opts, err := o.sandboxOptions()
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, c := range opts.Clients {
		for _, u := range c.RedirectURIs {
			found = found || (c.Provider == "polyscale" && u == "http://localhost:4000/callback")
		}
	}
	if !found {
		t.Fatalf("redirect URI not registered: %+v", opts.Clients)
	}
	o.redirectURIs = []string{"heroku=http://x"}
	if _, err := o.sandboxOptions(); err == nil {
		t.Fatal("an unknown provider must be refused")
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServeServesUntilInterrupted(t *testing.T) {
	t.Parallel()
	envFile := filepath.Join(t.TempDir(), "sandbox.env")
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"serve", "--auto-approve", "--env-file", envFile, "--config-dir", t.TempDir()}, &out, &errOut)
	}()

	var base string
	deadline := time.Now().Add(10 * time.Second)
	for base == "" && time.Now().Before(deadline) {
		for _, line := range strings.Split(out.String(), "\n") {
			if v, ok := strings.CutPrefix(line, "export CACHELINK_POLYSCALE_API_URL="); ok {
				base = v
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if base == "" {
		cancel()
		t.Fatalf("no export lines on stdout; stderr: %s", errOut.String())
	}
	resp, err := http.Get(base + "/_sandbox/counters")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("counters: %s", resp.Status)
	}
	written, err := os.ReadFile(envFile)
	if err != nil || string(written) != out.String() {
		t.Errorf("--env-file = %q, %v; want the same lines as stdout", written, err)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d after interrupt: %s", code, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop when interrupted")
	}
}

// TestDemoPrintsAConnectionString runs the README's main job with a freshly
// built cachelink and checks the PolyScale connection string it prints.
func TestDemoPrintsAConnectionString(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds cachelink")
	}
	bin := filepath.Join(t.TempDir(), "cachelink")
	build := exec.Command("go", "build", "-o", bin, "github.com/cachelink/cachelink/cmd/cachelink")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building cachelink: %v\n%s", err, out)
	}
	var out, errOut bytes.Buffer
	if err := demo(context.Background(), bin, &out, &errOut); err != nil {
		t.Fatalf("demo: %v\n%s", err, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("stdout = %q, want DATABASE_URL, REDIS_URL, UPSTASH_VECTOR_REST_URL and UPSTASH_VECTOR_REST_TOKEN lines", out.String())
	}
	if !regexp.MustCompile(`^UPSTASH_VECTOR_REST_URL=https://[a-z0-9-]+-vector\.upstash\.io$`).MatchString(lines[2]) ||
		!regexp.MustCompile(`^UPSTASH_VECTOR_REST_TOKEN=\S+$`).MatchString(lines[3]) {
		t.Errorf("last lines = %q, want the Vector index's two variables", lines[2:])
	}
	if !strings.HasPrefix(lines[0], "DATABASE_URL=postgres://app:s3cret@psedge.global:5432/shop?sslmode=verify-full&application_name=") {
		t.Errorf("first line = %q, want the rewritten sample origin", lines[0])
	}
	if !regexp.MustCompile(`^REDIS_URL=rediss://default:[0-9a-f]+@[a-z0-9-]+\.upstash\.io:6379$`).MatchString(lines[1]) {
		t.Errorf("second line = %q, want the new database's rediss:// URL", lines[1])
	}
	for _, step := range []string{"✓ Connected to PolyScale", "✓ Connected to Upstash", "✓ Created PolyScale cache demo-shop", "✓ Created Upstash database demo-cache", "✓ Created Upstash Vector index demo-docs"} {
		if !strings.Contains(errOut.String(), step) {
			t.Errorf("stderr lacks %q", step)
		}
	}
}

func TestFaultFlagIsValidated(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	code := Run(context.Background(), []string{"serve", "--addr", "127.0.0.1:8085", "--print-env", "--fault", `{"kind":"nonsense"}`}, &out, &errOut)
	if code != 2 || !strings.Contains(errOut.String(), "--fault") {
		t.Fatalf("exit %d, stderr %q; want a usage error naming --fault", code, errOut.String())
	}
	out.Reset()
	errOut.Reset()
	code = Run(context.Background(), []string{"serve", "--addr", "127.0.0.1:8085", "--print-env", "--config-dir", t.TempDir(), "--fault", `{"kind":"error","count":2,"status":503}`}, &out, &errOut)
	if code != 0 {
		t.Fatalf("a valid fault was refused: exit %d, %s", code, errOut.String())
	}
}
