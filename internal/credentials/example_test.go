package credentials_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/cachelink/cachelink/internal/credentials"
	"golang.org/x/oauth2"
)

// Fresh refreshes an expired access token once, stores the rotated refresh
// token and returns the new record. Other processes calling Fresh at the
// same time wait for the lock and use the stored result.
func ExampleStore_Fresh() {
	dir, _ := os.MkdirTemp("", "cachelink-example")
	defer os.RemoveAll(dir)
	store, err := credentials.NewStore(credentials.Options{Mode: credentials.ModeFile, Dir: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, _ = store.Save(&credentials.Record{
		Provider: "polyscale", Profile: "default",
		AccessToken: "at-1", RefreshToken: "rt-1", Expiry: time.Now().Add(-time.Minute),
	})

	// cachelink's Refresher is x/oauth2 with an explicit Endpoint.AuthStyle:
	//
	//	conf.TokenSource(ctx, &oauth2.Token{RefreshToken: rt, Expiry: time.Unix(1, 0)}).Token()
	refresh := func(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
		return &oauth2.Token{AccessToken: "at-2", RefreshToken: "rt-2", Expiry: time.Now().Add(time.Hour)}, nil
	}
	r, src, err := store.Fresh(context.Background(), "polyscale", "default", refresh)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.AccessToken, r.RefreshToken, src)
	// Output: at-2 rt-2 file
}
