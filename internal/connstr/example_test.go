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

// A setting that lets the connection go in clear text: PostgreSQL's is
// upgraded in the edge string, the others' are kept for the caller to warn
// about.
func ExampleOrigin_WeakTLS() {
	edge, _ := connstr.ParseEdge("psedge.global")
	for _, s := range []string{
		"postgres://app@db.example.com/shop?sslmode=require&sslmode=disable",
		"Server=db.example.com;User Id=sa;Encrypt=false",
	} {
		origin, _ := connstr.Parse(s)
		for _, w := range origin.WeakTLS() {
			fmt.Printf("%s upgraded=%v fix=%s\n", w.Setting, w.Upgraded, w.Fix)
		}
		out, _ := origin.Rewrite("c1", edge)
		fmt.Println(out)
	}
	// Output:
	// sslmode=disable upgraded=true fix=sslmode=require
	// postgres://app@psedge.global:5432/shop?sslmode=require&application_name=c1
	// Encrypt=false upgraded=false fix=Encrypt=true
	// Server=psedge.global,1433;User Id=c1-sa;Encrypt=false
}
