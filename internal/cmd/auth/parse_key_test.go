package auth_test

import (
	"testing"

	"github.com/cachelink/cachelink/internal/cmd/auth"
)

func TestConnectWithKeyParsesIntoOptions(t *testing.T) {
	t.Parallel()
	got, _, err := parseArgs(t, auth.NewCmdConnect, []string{"upstash", "--with-key", "--email", "dev@example.com"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if !got.WithKey || got.Login.Email != "dev@example.com" || providerName(got.Provider) != "upstash" {
		t.Errorf("options = %+v, want --with-key for upstash with the email", got)
	}
	got, _, err = parseArgs(t, auth.NewCmdConnect, []string{"polyscale"}, false)
	if err != nil || got.WithKey {
		t.Errorf("without --with-key: WithKey = %v (err %v)", got.WithKey, err)
	}
}

func TestStatusCheckParsesIntoOptions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args  []string
		check bool
	}{
		{[]string{"polyscale", "--check"}, true},
		{[]string{"--check"}, true},
		{[]string{}, false},
	} {
		got, f, err := parseArgs(t, auth.NewCmdStatus, tc.args, false)
		if err != nil {
			t.Fatal(err)
		}
		if got.Check != tc.check || got.Store == nil || got.Accounts != f.Accounts {
			t.Errorf("%v: Check = %v, want %v (store set: %v)", tc.args, got.Check, tc.check, got.Store != nil)
		}
	}
}
