//go:build unix

package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/config"
)

// loadWithin runs config.Load and fails t if it does not return within a
// second: a config file must never block the run.
func loadWithin(t *testing.T, opts config.Options) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := config.Load(opts)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Second):
		t.Fatal("config.Load blocked on a file that is not a regular file")
		return nil
	}
}

func TestAFIFOAsConfigFileIsRefusedWithoutBlocking(t *testing.T) {
	t.Parallel()
	dir, env := isolate(t)
	fifo := filepath.Join(dir, "config.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for _, tc := range []struct {
		name      string
		file      string
		wantUsage bool
	}{
		{"in the config directory", "", false},
		{"named with --config", fifo, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := loadWithin(t, config.Options{Settings: settings, File: tc.file, Getenv: env.get})
			var cerr *config.Error
			if !errors.As(err, &cerr) || cerr.Usage != tc.wantUsage {
				t.Fatalf("err = %v, want a config.Error (usage %v)", err, tc.wantUsage)
			}
			if !strings.Contains(err.Error(), fifo) || !strings.Contains(err.Error(), "not a regular file") ||
				!strings.Contains(err.Error(), "named pipe") {
				t.Errorf("message %q should name the file and say it is a named pipe, not a regular file", err)
			}
		})
	}
}

func TestADeviceAsConfigFileIsRefused(t *testing.T) {
	t.Parallel()
	_, env := isolate(t)
	const dev = "/dev/zero" // read from, it would never end
	if _, err := os.Stat(dev); err != nil {
		t.Skip(err)
	}
	err := loadWithin(t, config.Options{Settings: settings, File: dev, Getenv: env.get})
	var cerr *config.Error
	if !errors.As(err, &cerr) || !cerr.Usage || !strings.Contains(err.Error(), dev) || !strings.Contains(err.Error(), "device") {
		t.Fatalf("err = %v, want a usage config.Error naming %s as a device", err, dev)
	}
}

func TestASymlinkToARegularConfigFileIsRead(t *testing.T) {
	t.Parallel()
	dir, env := isolate(t)
	target := filepath.Join(t.TempDir(), "real.yaml")
	writeFile(t, target, "polyscale:\n  edge_host: linked.example\n", 0o600)
	if err := os.Symlink(target, filepath.Join(dir, "config.yaml")); err != nil {
		t.Fatal(err)
	}
	c, err := config.Load(config.Options{Settings: settings, Getenv: env.get})
	if err != nil || c.String(edgeHost) != "linked.example" {
		t.Fatalf("Load = %v; want the linked file read (edge host %q)", err, c.String(edgeHost))
	}
}
