package oauth_test

import (
	"context"
	"fmt"
	"os"

	"golang.org/x/oauth2"

	"github.com/cachelink/cachelink/internal/oauth"
)

// A provider's connect command logs in like this: the browser if one can
// work here, the paste path otherwise (and also as a fallback).
func ExampleLogin() {
	open, usable := oauth.BrowserOpener(os.Stderr, os.Getenv)
	tok, err := oauth.Login(context.Background(), oauth.Config{
		OAuth2: &oauth2.Config{
			ClientID:    "cachelink",
			RedirectURL: "http://localhost:3000",
			Scopes:      []string{"offline_access", "openid", "email"},
			Endpoint: oauth2.Endpoint{
				AuthURL:   "https://auth.upstash.com/authorize",
				TokenURL:  "https://auth.upstash.com/oauth/token",
				AuthStyle: oauth2.AuthStyleInParams,
			},
		},
		AuthParams:   []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("audience", "upstash-api")},
		ProviderName: "Upstash",
		OpenBrowser:  open,
		NoBrowser:    !usable,
		Stderr:       os.Stderr,
		PasteInput:   oauth.NewTerminal(os.Stdin),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	_ = tok // store it; never print it
}
