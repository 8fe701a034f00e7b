package credentials_test

import (
	"github.com/cachelink/cachelink/internal/clierr"
)

// said is what a user sees of err: its message and, on the next line, its
// hint (what to do), as internal/app prints them.
func said(err error) string {
	if err == nil {
		return ""
	}
	return err.Error() + "\n" + clierr.HintOf(err)
}
