package doctor_test

import (
	"encoding/json"
	"net"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/cmdtest"
)

type check struct {
	Name   string `json:"name"`
	Level  string `json:"level"`
	Detail string `json:"detail"`
	Fix    string `json:"fix"`
}

func doctor(t *testing.T, e *cmdtest.Env) (map[string]check, cmdtest.Result) {
	t.Helper()
	r := e.Run("doctor", "-o", "json")
	var list []check
	if err := json.Unmarshal([]byte(r.Stdout), &list); err != nil {
		t.Fatalf("doctor -o json: %v\nstdout:\n%s\nstderr:\n%s", err, r.Stdout, r.Stderr)
	}
	m := map[string]check{}
	for _, c := range list {
		m[c.Name] = c
	}
	return m, r
}

func TestDoctorOnAHealthyMachine(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.ReleasePort() // doctor probes it
	checks, r := doctor(t, e)
	if r.Code != 0 {
		t.Errorf("exit %d, want 0; stderr:\n%s\nstdout:\n%s", r.Code, r.Stderr, r.Stdout)
	}
	if c := checks["credential store"]; c.Level != "ok" || !strings.Contains(c.Detail, "keychain answered") {
		t.Errorf("credential store = %+v", c)
	}
	if c := checks["callback port 127.0.0.1:"+e.Port]; c.Level != "ok" {
		t.Errorf("callback port on 127.0.0.1 = %+v", c)
	}
	for _, key := range []string{"polyscale.api_url", "polyscale.token_url", "upstash.api_url", "upstash.token_url"} {
		if c := checks[key]; c.Level != "ok" || !strings.Contains(c.Detail, e.Server.URL) {
			t.Errorf("%s = %+v, want the sandbox reachable", key, c)
		}
	}
}

func TestDoctorNamesEachProblemAndItsFix(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.Keyring.Fail.Store(true)
	e.ReleasePort()
	l, err := net.Listen("tcp", "127.0.0.1:"+e.Port) // a dev server on the callback port
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	e.Setenv("CACHELINK_UPSTASH_API_URL", "http://127.0.0.1:"+cmdtest.FreePort(t)) // nothing listens
	e.Setenv("SSH_CONNECTION", "10.0.0.2 5555 10.0.0.1 22")
	e.Setenv("UPSTASH_EMAIL", "ci@example.com") // without UPSTASH_API_KEY

	checks, r := doctor(t, e)
	if r.Code != 1 {
		t.Errorf("exit %d, want 1 (checks failed); stderr:\n%s", r.Code, r.Stderr)
	}
	want := map[string]string{
		"credential store":                  "warn", // auto mode falls back to the file
		"callback port 127.0.0.1:" + e.Port: "fail",
		"upstash.api_url":                   "fail",
		"upstash environment":               "fail",
		"session":                           "info",
	}
	for name, level := range want {
		c, ok := checks[name]
		if !ok || c.Level != level {
			t.Errorf("%s = %+v, want level %s", name, c, level)
			continue
		}
		if level != "info" && c.Fix == "" {
			t.Errorf("%s has no fix", name)
		}
	}
	if c := checks["session"]; !strings.Contains(c.Detail, "SSH session") {
		t.Errorf("session = %+v, want the SSH session named", c)
	}
}

func TestDoctorInKeyringModeFailsWithoutAKeychain(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.Keyring.Fail.Store(true)
	e.Setenv("CACHELINK_TOKEN_STORE", "keyring")
	checks, r := doctor(t, e)
	if c := checks["credential store"]; c.Level != "fail" || !strings.Contains(c.Fix, "CACHELINK_TOKEN_STORE=file") {
		t.Errorf("credential store = %+v", c)
	}
	if r.Code != 1 {
		t.Errorf("exit %d, want 1", r.Code)
	}
}

func TestDoctorTextOutput(t *testing.T) {
	t.Parallel()
	e := cmdtest.New(t, cmdtest.Options{})
	e.Keyring.Fail.Store(true)
	r := e.Run("doctor")
	if !strings.Contains(r.Stdout, "! credential store: ") || !strings.Contains(r.Stdout, "    fix: ") {
		t.Errorf("stdout:\n%s", r.Stdout)
	}
}
