package connstr_test

import (
	"fmt"

	"github.com/cachelink/cachelink/internal/connstr"
)

// The application's PostgreSQL URL, pointed at PolyScale's edge: host and
// port replaced, the cache id as application_name, TLS required, everything
// else as written.
func Example() {
	origin, err := connstr.Parse("postgres://app:s3cr%40t@db.example.com:5432/shop?connect_timeout=10")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(origin.Type, origin.Host, origin.Port, origin.User, origin.Password, origin.Database)

	edge, _ := connstr.ParseEdge("psedge.global")
	rewritten, err := origin.Rewrite("0c8f7a2e-5b1d-4c3e-9f6a-7d2b1e4a9c05", edge)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rewritten)
	// Output:
	// postgres db.example.com 5432 app s3cr@t shop
	// postgres://app:s3cr%40t@psedge.global:5432/shop?connect_timeout=10&sslmode=require&application_name=0c8f7a2e-5b1d-4c3e-9f6a-7d2b1e4a9c05
}

// Errors name the part at fault and never contain the password.
func ExampleParseError() {
	_, err := connstr.Parse("mysql://app:s3cret@db.example.com:abc/shop")
	fmt.Println(err)
	// Output:
	// origin connection string: port: "abc" is not a number from 1 to 65535
}
