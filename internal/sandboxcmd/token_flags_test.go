package sandboxcmd

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cachelink/cachelink/internal/sandbox"
)

func TestUpstashTokenFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		rotation string
		reuse    time.Duration
		want     sandbox.RefreshPolicy
	}{
		{"", 0, sandbox.RefreshPolicy{Rotation: sandbox.RotateRefreshTokens}},
		{"rotate", 30 * time.Second, sandbox.RefreshPolicy{Rotation: sandbox.RotateRefreshTokens, ReuseInterval: 30 * time.Second}},
		{"same", 0, sandbox.RefreshPolicy{Rotation: sandbox.ReturnSameRefreshToken}},
		{"none", 0, sandbox.RefreshPolicy{Rotation: sandbox.OmitRefreshToken}},
	} {
		o := &serveOptions{rotation: tc.rotation, reuse: tc.reuse}
		opts, err := o.sandboxOptions()
		if err != nil {
			t.Fatalf("%+v: %v", tc, err)
		}
		if opts.UpstashRefresh != tc.want || opts.AccessTokenLifetime != 0 {
			t.Errorf("%+v: options %+v, lifetime %s", tc, opts.UpstashRefresh, opts.AccessTokenLifetime)
		}
	}
}

func TestUpstashTokenFlagsAreValidated(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--upstash-refresh-rotation", "sometimes"},
		{"--upstash-refresh-rotation", "same", "--upstash-reuse-interval", "10s"},
		{"--upstash-reuse-interval", "-1s"},
		{"--token-lifetime", "-1s"},
	} {
		var out, errOut bytes.Buffer
		code := Run(context.Background(), append([]string{"serve", "--addr", "127.0.0.1:8085", "--print-env", "--config-dir", t.TempDir()}, args...), &out, &errOut)
		if code != 2 || !strings.Contains(errOut.String(), args[len(args)-2]) {
			t.Errorf("%v: exit %d, stderr %q; want a usage error naming the flag", args, code, errOut.String())
		}
	}
	var out, errOut bytes.Buffer
	code := Run(context.Background(), []string{"serve", "--addr", "127.0.0.1:8085", "--print-env", "--config-dir", t.TempDir(),
		"--upstash-refresh-rotation", "rotate", "--upstash-reuse-interval", "30s", "--token-lifetime", "2s"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("valid flags refused: exit %d, %s", code, errOut.String())
	}
}
