package connstr_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/cachelink/cachelink/internal/connstr"
)

// cacheID is the cache id the tables rewrite with; "{id}" in an expected
// rewrite stands for it.
const cacheID = "3f2a8c1e-7b4d-4e9a-b6c5-0d1e2f3a4b5c"

var (
	psedge = connstr.Edge{Host: "psedge.global"}
	v6edge = connstr.Edge{Host: "2001:db8::53"}
)

// The password the tables use for hostile characters, in each form's syntax.
const hostile = "p@ss:w/rd?#%&= x"

type rewriteCase struct {
	name    string
	origin  string
	setType connstr.DBType // if set, applied with SetType before Rewrite
	edge    connstr.Edge

	typ     connstr.DBType
	form    connstr.Form
	want    fields // as parsed from origin
	str     string // String(); "" means origin itself
	rewrite string // with "{id}" for cacheID
}

// rewriteCases document how each form is read and rewritten. They are also
// checked against the real drivers (drivers_test.go).
var rewriteCases = []rewriteCase{
	// PostgreSQL URLs: host and port replaced, application_name set (in place
	// if present), sslmode=require added only when there is no sslmode.
	{
		name:    "postgres url",
		origin:  "postgres://app:s3cret@db.example.com:5432/shop?sslmode=verify-full&connect_timeout=10",
		edge:    psedge,
		typ:     connstr.Postgres,
		form:    connstr.PostgresURL,
		want:    fields{"db.example.com", 5432, "app", "s3cret", "shop"},
		rewrite: "postgres://app:s3cret@psedge.global:5432/shop?sslmode=verify-full&connect_timeout=10&application_name={id}",
	},
	{
		name:    "postgresql scheme, default port, no parameters",
		origin:  "postgresql://app:s3cret@db.example.com/shop",
		edge:    psedge,
		typ:     connstr.Postgres,
		form:    connstr.PostgresURL,
		want:    fields{"db.example.com", 5432, "app", "s3cret", "shop"},
		rewrite: "postgresql://app:s3cret@psedge.global:5432/shop?sslmode=require&application_name={id}",
	},
	{
		name:    "postgres url hostile password keeps its encoding",
		origin:  "postgres://app:p%40ss%3Aw%2Frd%3F%23%25%26%3D%20x@db.example.com/shop",
		edge:    psedge,
		typ:     connstr.Postgres,
		form:    connstr.PostgresURL,
		want:    fields{"db.example.com", 5432, "app", hostile, "shop"},
		rewrite: "postgres://app:p%40ss%3Aw%2Frd%3F%23%25%26%3D%20x@psedge.global:5432/shop?sslmode=require&application_name={id}",
	},
	{
		name:    "postgres url password with quotes, backslash, semicolon and unicode",
		origin:  "postgres://app:%27q%22%5C%3B+%C3%A4%E2%82%AC@db.example.com/shop",
		edge:    psedge,
		typ:     connstr.Postgres,
		form:    connstr.PostgresURL,
		want:    fields{"db.example.com", 5432, "app", `'q"\;+ä€`, "shop"},
		rewrite: "postgres://app:%27q%22%5C%3B+%C3%A4%E2%82%AC@psedge.global:5432/shop?sslmode=require&application_name={id}",
	},
	{
		name:    "postgres url IPv6 host",
		origin:  "postgres://app:pw@[2001:db8::1]:6432/shop",
		edge:    psedge,
		typ:     connstr.Postgres,
		form:    connstr.PostgresURL,
		want:    fields{"2001:db8::1", 6432, "app", "pw", "shop"},
		rewrite: "postgres://app:pw@psedge.global:5432/shop?sslmode=require&application_name={id}",
	},
	{
		name:    "postgres url IPv6 host without port, IPv6 edge",
		origin:  "postgres://app:pw@[::1]/shop",
		edge:    v6edge,
		typ:     connstr.Postgres,
		form:    connstr.PostgresURL,
		want:    fields{"::1", 5432, "app", "pw", "shop"},
		rewrite: "postgres://app:pw@[2001:db8::53]:5432/shop?sslmode=require&application_name={id}",
	},
	{
		name:    "postgres url IPv6 zone",
		origin:  "postgres://app:pw@[fe80::1%25eth0]:5432/shop",
		edge:    psedge,
		typ:     connstr.Postgres,
		form:    connstr.PostgresURL,
		want:    fields{"fe80::1%eth0", 5432, "app", "pw", "shop"},
		rewrite: "postgres://app:pw@psedge.global:5432/shop?sslmode=require&application_name={id}",
	},
	{
		name:    "existing application_name replaced in place, sslmode=disable upgraded in place",
		origin:  "postgres://app:pw@db.example.com/shop?application_name=legacy&sslmode=disable&connect_timeout=5",
		edge:    psedge,
		typ:     connstr.Postgres,
		form:    connstr.PostgresURL,
		want:    fields{"db.example.com", 5432, "app", "pw", "shop"},
		rewrite: "postgres://app:pw@psedge.global:5432/shop?application_name={id}&sslmode=require&connect_timeout=5",
	},
	{
		name:    "other parameters keep their order and raw encoding",
		origin:  "postgres://app:pw@db.example.com/shop?options=-c%20search_path%3Dapp&sslmode=verify-full&target_session_attrs=read-write",
		edge:    psedge,
		typ:     connstr.Postgres,
		form:    connstr.PostgresURL,
		want:    fields{"db.example.com", 5432, "app", "pw", "shop"},
		rewrite: "postgres://app:pw@psedge.global:5432/shop?options=-c%20search_path%3Dapp&sslmode=verify-full&target_session_attrs=read-write&application_name={id}",
	},
	{
		name:    "host, port and credentials as query parameters",
		origin:  "postgres:///shop?host=db.example.com&port=6432&user=app&password=pw",
		edge:    psedge,
		typ:     connstr.Postgres,
		form:    connstr.PostgresURL,
		want:    fields{"db.example.com", 6432, "app", "pw", "shop"},
		rewrite: "postgres://psedge.global:5432/shop?user=app&password=pw&sslmode=require&application_name={id}",
	},
	{
		name:    "query host overrides the authority",
		origin:  "postgres://app:pw@ignored.example.com:1111/shop?port=6432&host=db.example.com",
		edge:    psedge,
		typ:     connstr.Postgres,
		form:    connstr.PostgresURL,
		want:    fields{"db.example.com", 6432, "app", "pw", "shop"},
		rewrite: "postgres://app:pw@psedge.global:5432/shop?sslmode=require&application_name={id}",
	},
	{
		name:    "dbname parameter overrides the path",
		origin:  "postgres://app:pw@db.example.com/a%2Fb?dbname=real",
		edge:    psedge,
		typ:     connstr.Postgres,
		form:    connstr.PostgresURL,
		want:    fields{"db.example.com", 5432, "app", "pw", "real"},
		rewrite: "postgres://app:pw@psedge.global:5432/a%2Fb?dbname=real&sslmode=require&application_name={id}",
	},
	{
		name:    "edge port override",
		origin:  "postgres://app:pw@db.example.com/shop",
		edge:    connstr.Edge{Host: "psedge.global", Port: 15432},
		typ:     connstr.Postgres,
		form:    connstr.PostgresURL,
		want:    fields{"db.example.com", 5432, "app", "pw", "shop"},
		rewrite: "postgres://app:pw@psedge.global:15432/shop?sslmode=require&application_name={id}",
	},
	{
		name:    "uppercase scheme is lowercased (pgx only reads lowercase)",
		origin:  "POSTGRES://app:pw@DB.example.com/shop",
		edge:    psedge,
		typ:     connstr.Postgres,
		form:    connstr.PostgresURL,
		want:    fields{"DB.example.com", 5432, "app", "pw", "shop"},
		str:     "postgres://app:pw@DB.example.com/shop",
		rewrite: "postgres://app:pw@psedge.global:5432/shop?sslmode=require&application_name={id}",
	},
	{
		name:    "pasted with a newline",
		origin:  "postgres://app:pw@db.example.com/shop\n",
		edge:    psedge,
		typ:     connstr.Postgres,
		form:    connstr.PostgresURL,
		want:    fields{"db.example.com", 5432, "app", "pw", "shop"},
		str:     "postgres://app:pw@db.example.com/shop",
		rewrite: "postgres://app:pw@psedge.global:5432/shop?sslmode=require&application_name={id}",
	},

	// libpq keyword/value: host= and port= replaced (port added after host),
	// hostaddr= dropped; untouched pairs keep their text.
	{
		name:    "keyword/value",
		origin:  "host=db.example.com port=5432 user=app password=s3cret dbname=shop sslmode=verify-full",
		edge:    psedge,
		typ:     connstr.Postgres,
		form:    connstr.PostgresKV,
		want:    fields{"db.example.com", 5432, "app", "s3cret", "shop"},
		rewrite: "host=psedge.global port=5432 user=app password=s3cret dbname=shop sslmode=verify-full application_name={id}",
	},
	{
		name:    "keyword/value default port",
		origin:  "host=db.example.com user=app dbname=shop",
		edge:    psedge,
		typ:     connstr.Postgres,
		form:    connstr.PostgresKV,
		want:    fields{"db.example.com", 5432, "app", "", "shop"},
		rewrite: "host=psedge.global port=5432 user=app dbname=shop sslmode=require application_name={id}",
	},
	{
		name:    "keyword/value hostile password in quotes",
		origin:  "host=db.example.com user=app password='p@ss:w/rd?#%&= x' dbname=shop",
		edge:    psedge,
		typ:     connstr.Postgres,
		form:    connstr.PostgresKV,
		want:    fields{"db.example.com", 5432, "app", hostile, "shop"},
		rewrite: "host=psedge.global port=5432 user=app password='p@ss:w/rd?#%&= x' dbname=shop sslmode=require application_name={id}",
	},
	{
		name:    "keyword/value escaped quote and backslash",
		origin:  `host=db.example.com user=app password='it\'s \\ "q";'`,
		edge:    psedge,
		typ:     connstr.Postgres,
		form:    connstr.PostgresKV,
		want:    fields{"db.example.com", 5432, "app", `it's \ "q";`, ""},
		rewrite: `host=psedge.global port=5432 user=app password='it\'s \\ "q";' sslmode=require application_name={id}`,
	},
	{
		name:    "keyword/value backslash-escaped space outside quotes",
		origin:  `host=db.example.com user=app password=a\ b`,
		edge:    psedge,
		typ:     connstr.Postgres,
		form:    connstr.PostgresKV,
		want:    fields{"db.example.com", 5432, "app", "a b", ""},
		rewrite: `host=psedge.global port=5432 user=app password=a\ b sslmode=require application_name={id}`,
	},
	{
		name:    "keyword/value IPv6 host, IPv6 edge",
		origin:  "host=2001:db8::1 port=6432 user=app",
		edge:    v6edge,
		typ:     connstr.Postgres,
		form:    connstr.PostgresKV,
		want:    fields{"2001:db8::1", 6432, "app", "", ""},
		rewrite: "host=2001:db8::53 port=5432 user=app sslmode=require application_name={id}",
	},
	{
		name:    "keyword/value application_name replaced in place",
		origin:  "application_name=legacy host=db.example.com user=app sslmode=require",
		edge:    psedge,
		typ:     connstr.Postgres,
		form:    connstr.PostgresKV,
		want:    fields{"db.example.com", 5432, "app", "", ""},
		rewrite: "application_name={id} host=psedge.global port=5432 user=app sslmode=require",
	},
	{
		name:    "keyword/value spacing kept, hostaddr dropped",
		origin:  " host = db.example.com  hostaddr=192.0.2.10 user=app ",
		edge:    psedge,
		typ:     connstr.Postgres,
		form:    connstr.PostgresKV,
		want:    fields{"db.example.com", 5432, "app", "", ""},
		rewrite: " host = psedge.global port=5432 user=app sslmode=require application_name={id} ",
	},
	{
		name:    "keyword/value hostaddr only",
		origin:  "hostaddr=192.0.2.10 user=app",
		edge:    psedge,
		typ:     connstr.Postgres,
		form:    connstr.PostgresKV,
		want:    fields{"192.0.2.10", 5432, "app", "", ""},
		rewrite: "host=psedge.global port=5432 user=app sslmode=require application_name={id}",
	},
	{
		name:    "keyword/value with a ';' in a value is not ADO.NET",
		origin:  "user=app;x host=db.example.com password='a;b'",
		edge:    psedge,
		typ:     connstr.Postgres,
		form:    connstr.PostgresKV,
		want:    fields{"db.example.com", 5432, "app;x", "a;b", ""},
		rewrite: "user=app;x host=psedge.global port=5432 password='a;b' sslmode=require application_name={id}",
	},
	{
		name:    "keyword/value database (pgx's alias) wins over an earlier dbname",
		origin:  "host=db.example.com user=app dbname='my shop' database=other",
		edge:    psedge,
		typ:     connstr.Postgres,
		form:    connstr.PostgresKV,
		want:    fields{"db.example.com", 5432, "app", "", "other"},
		rewrite: "host=psedge.global port=5432 user=app dbname='my shop' database=other sslmode=require application_name={id}",
	},

	// MySQL and MariaDB URLs: user prefixed with the cache id; mariadb:// is
	// MariaDB, whose edge port is 3307.
	{
		name:    "mysql url",
		origin:  "mysql://app:s3cret@db.example.com:3306/shop?tls=true&charset=utf8mb4",
		edge:    psedge,
		typ:     connstr.MySQL,
		form:    connstr.MySQLURL,
		want:    fields{"db.example.com", 3306, "app", "s3cret", "shop"},
		rewrite: "mysql://{id}-app:s3cret@psedge.global:3306/shop?tls=true&charset=utf8mb4",
	},
	{
		name:    "mariadb url goes to edge port 3307",
		origin:  "mariadb://app:s3cret@db.example.com/shop",
		edge:    psedge,
		typ:     connstr.MariaDB,
		form:    connstr.MySQLURL,
		want:    fields{"db.example.com", 3306, "app", "s3cret", "shop"},
		rewrite: "mariadb://{id}-app:s3cret@psedge.global:3307/shop",
	},
	{
		name:    "mysql url hostile password",
		origin:  "mysql://app:p%40ss%3Aw%2Frd%3F%23%25%26%3D%20x@db.example.com/shop",
		edge:    psedge,
		typ:     connstr.MySQL,
		form:    connstr.MySQLURL,
		want:    fields{"db.example.com", 3306, "app", hostile, "shop"},
		rewrite: "mysql://{id}-app:p%40ss%3Aw%2Frd%3F%23%25%26%3D%20x@psedge.global:3306/shop",
	},
	{
		name:    "mysql url encoded user, IPv6 host",
		origin:  "mysql://app%40corp:pw@[2001:db8::1]:3307/shop",
		edge:    psedge,
		typ:     connstr.MySQL,
		form:    connstr.MySQLURL,
		want:    fields{"2001:db8::1", 3307, "app@corp", "pw", "shop"},
		rewrite: "mysql://{id}-app%40corp:pw@psedge.global:3306/shop",
	},
	{
		name:    "mysql url declared MariaDB keeps its scheme",
		origin:  "mysql://app:pw@db.example.com/shop",
		setType: connstr.MariaDB,
		edge:    psedge,
		typ:     connstr.MariaDB,
		form:    connstr.MySQLURL,
		want:    fields{"db.example.com", 3306, "app", "pw", "shop"},
		rewrite: "mysql://{id}-app:pw@psedge.global:3307/shop",
	},
	{
		name:    "mysql url edge port override",
		origin:  "mysql://app:pw@db.example.com/shop",
		edge:    connstr.Edge{Host: "psedge.global", Port: 13306},
		typ:     connstr.MySQL,
		form:    connstr.MySQLURL,
		want:    fields{"db.example.com", 3306, "app", "pw", "shop"},
		rewrite: "mysql://{id}-app:pw@psedge.global:13306/shop",
	},

	// Go MySQL driver DSNs: user and password are not percent-encoded; the
	// address stays in tcp(...); parameters keep their text.
	{
		name:    "mysql dsn",
		origin:  "app:s3cret@tcp(db.example.com:3306)/shop?parseTime=true&loc=UTC",
		edge:    psedge,
		typ:     connstr.MySQL,
		form:    connstr.MySQLDSN,
		want:    fields{"db.example.com", 3306, "app", "s3cret", "shop"},
		rewrite: "{id}-app:s3cret@tcp(psedge.global:3306)/shop?parseTime=true&loc=UTC",
	},
	{
		name:    "mysql dsn hostile password, written raw",
		origin:  "app:p@ss:w/rd?#%&= x@tcp(db.example.com)/shop",
		edge:    psedge,
		typ:     connstr.MySQL,
		form:    connstr.MySQLDSN,
		want:    fields{"db.example.com", 3306, "app", hostile, "shop"},
		rewrite: "{id}-app:p@ss:w/rd?#%&= x@tcp(psedge.global:3306)/shop",
	},
	{
		name:    "mysql dsn quotes, backslash, semicolon",
		origin:  `app:'q"\;@tcp(db.example.com:3306)/shop`,
		edge:    psedge,
		typ:     connstr.MySQL,
		form:    connstr.MySQLDSN,
		want:    fields{"db.example.com", 3306, "app", `'q"\;`, "shop"},
		rewrite: `{id}-app:'q"\;@tcp(psedge.global:3306)/shop`,
	},
	{
		name:    "mysql dsn IPv6 in brackets",
		origin:  "app:pw@tcp([2001:db8::1]:3306)/shop",
		edge:    psedge,
		typ:     connstr.MySQL,
		form:    connstr.MySQLDSN,
		want:    fields{"2001:db8::1", 3306, "app", "pw", "shop"},
		rewrite: "{id}-app:pw@tcp(psedge.global:3306)/shop",
	},
	{
		name:    "mysql dsn bare IPv6 without port, IPv6 edge",
		origin:  "app:pw@tcp(::1)/shop",
		edge:    v6edge,
		typ:     connstr.MySQL,
		form:    connstr.MySQLDSN,
		want:    fields{"::1", 3306, "app", "pw", "shop"},
		rewrite: "{id}-app:pw@tcp([2001:db8::53]:3306)/shop",
	},
	{
		name:    "mysql dsn without address means 127.0.0.1:3306",
		origin:  "app:pw@/shop",
		edge:    psedge,
		typ:     connstr.MySQL,
		form:    connstr.MySQLDSN,
		want:    fields{"127.0.0.1", 3306, "app", "pw", "shop"},
		rewrite: "{id}-app:pw@tcp(psedge.global:3306)/shop",
	},
	{
		name:    "mysql dsn net without address",
		origin:  "app:pw@tcp/shop?timeout=5s",
		edge:    psedge,
		typ:     connstr.MySQL,
		form:    connstr.MySQLDSN,
		want:    fields{"127.0.0.1", 3306, "app", "pw", "shop"},
		rewrite: "{id}-app:pw@tcp(psedge.global:3306)/shop?timeout=5s",
	},
	{
		name:    "mysql dsn declared MariaDB, escaped database name",
		origin:  "app:pw@tcp(db.example.com)/sh%2Fop",
		setType: connstr.MariaDB,
		edge:    psedge,
		typ:     connstr.MariaDB,
		form:    connstr.MySQLDSN,
		want:    fields{"db.example.com", 3306, "app", "pw", "sh/op"},
		rewrite: "{id}-app:pw@tcp(psedge.global:3307)/sh%2Fop",
	},

	// SQL Server URLs: the /instance path goes (the edge has a fixed port).
	{
		name:    "sqlserver url",
		origin:  "sqlserver://sa:s3cret@db.example.com:1433?database=shop&encrypt=true",
		edge:    psedge,
		typ:     connstr.SQLServer,
		form:    connstr.SQLServerURL,
		want:    fields{"db.example.com", 1433, "sa", "s3cret", "shop"},
		rewrite: "sqlserver://{id}-sa:s3cret@psedge.global:1433?database=shop&encrypt=true",
	},
	{
		name:    "sqlserver url named instance dropped",
		origin:  "sqlserver://sa:s3cret@db.example.com/SQLEXPRESS?database=shop",
		edge:    psedge,
		typ:     connstr.SQLServer,
		form:    connstr.SQLServerURL,
		want:    fields{"db.example.com", 1433, "sa", "s3cret", "shop"},
		rewrite: "sqlserver://{id}-sa:s3cret@psedge.global:1433?database=shop",
	},
	{
		name:    "sqlserver url hostile password",
		origin:  "sqlserver://sa:p%40ss%3Aw%2Frd%3F%23%25%26%3D%20x@db.example.com?database=shop",
		edge:    psedge,
		typ:     connstr.SQLServer,
		form:    connstr.SQLServerURL,
		want:    fields{"db.example.com", 1433, "sa", hostile, "shop"},
		rewrite: "sqlserver://{id}-sa:p%40ss%3Aw%2Frd%3F%23%25%26%3D%20x@psedge.global:1433?database=shop",
	},
	{
		name:    "sqlserver url IPv6, IPv6 edge",
		origin:  "sqlserver://sa:pw@[2001:db8::1]:1433?database=shop",
		edge:    v6edge,
		typ:     connstr.SQLServer,
		form:    connstr.SQLServerURL,
		want:    fields{"2001:db8::1", 1433, "sa", "pw", "shop"},
		rewrite: "sqlserver://{id}-sa:pw@[2001:db8::53]:1433?database=shop",
	},
	{
		name:    "sqlserver url credentials and port as parameters, + is a space",
		origin:  "sqlserver://db.example.com?user%20id=sa&password=pw&port=1500&database=my+shop",
		edge:    psedge,
		typ:     connstr.SQLServer,
		form:    connstr.SQLServerURL,
		want:    fields{"db.example.com", 1500, "sa", "pw", "my shop"},
		rewrite: "sqlserver://psedge.global:1433?user%20id={id}-sa&password=pw&database=my+shop",
	},
	{
		name:    "mssql scheme kept",
		origin:  "mssql://sa:pw@db.example.com?database=shop",
		edge:    psedge,
		typ:     connstr.SQLServer,
		form:    connstr.SQLServerURL,
		want:    fields{"db.example.com", 1433, "sa", "pw", "shop"},
		rewrite: "mssql://{id}-sa:pw@psedge.global:1433?database=shop",
	},

	// ADO.NET: Server=host,port in place of whichever server key was used,
	// the user key keeps its spelling; other pairs keep their text and order.
	{
		name:    "ado.net",
		origin:  "Server=db.example.com,1433;Database=shop;User Id=sa;Password=s3cret;Encrypt=true",
		edge:    psedge,
		typ:     connstr.SQLServer,
		form:    connstr.ADONet,
		want:    fields{"db.example.com", 1433, "sa", "s3cret", "shop"},
		rewrite: "Server=psedge.global,1433;Database=shop;User Id={id}-sa;Password=s3cret;Encrypt=true",
	},
	{
		name:    "ado.net synonyms, tcp: prefix and instance dropped, trailing ;",
		origin:  `Data Source=tcp:db.example.com\SQLEXPRESS;Initial Catalog=shop;uid=sa;pwd=s3cret;`,
		edge:    psedge,
		typ:     connstr.SQLServer,
		form:    connstr.ADONet,
		want:    fields{"db.example.com", 1433, "sa", "s3cret", "shop"},
		rewrite: "Data Source=psedge.global,1433;Initial Catalog=shop;uid={id}-sa;pwd=s3cret;",
	},
	{
		name:    "ado.net hostile password in double quotes",
		origin:  `Server=db.example.com;User ID=sa;Password="p@ss:w/rd?#%&= x;y""z"`,
		edge:    psedge,
		typ:     connstr.SQLServer,
		form:    connstr.ADONet,
		want:    fields{"db.example.com", 1433, "sa", hostile + `;y"z`, ""},
		rewrite: `Server=psedge.global,1433;User ID={id}-sa;Password="p@ss:w/rd?#%&= x;y""z"`,
	},
	{
		name:    "ado.net IPv6, IPv6 edge with port",
		origin:  "Server=2001:db8::1,1433;User Id=sa",
		edge:    connstr.Edge{Host: "2001:db8::53", Port: 11433},
		typ:     connstr.SQLServer,
		form:    connstr.ADONet,
		want:    fields{"2001:db8::1", 1433, "sa", "", ""},
		rewrite: "Server=2001:db8::53,11433;User Id={id}-sa",
	},
	{
		name:    "ado.net Port key dropped",
		origin:  "Server=db.example.com;Port=1500;User Id=sa",
		edge:    psedge,
		typ:     connstr.SQLServer,
		form:    connstr.ADONet,
		want:    fields{"db.example.com", 1500, "sa", "", ""},
		rewrite: "Server=psedge.global,1433;User Id={id}-sa",
	},
	{
		name:    "ado.net spacing and key case kept",
		origin:  ` SERVER = db.example.com ; USER ID = sa ; Password = "a b" `,
		edge:    psedge,
		typ:     connstr.SQLServer,
		form:    connstr.ADONet,
		want:    fields{"db.example.com", 1433, "sa", "a b", ""},
		rewrite: ` SERVER = psedge.global,1433; USER ID = {id}-sa; Password = "a b" `,
	},
	{
		name:    "ado.net with a value that looks like a keyword/value pair",
		origin:  "Server=db.example.com;User Id=sa;Password=a host=b",
		edge:    psedge,
		typ:     connstr.SQLServer,
		form:    connstr.ADONet,
		want:    fields{"db.example.com", 1433, "sa", "a host=b", ""},
		rewrite: "Server=psedge.global,1433;User Id={id}-sa;Password=a host=b",
	},
	{
		name:    "ado.net user needing quotes after the prefix",
		origin:  `Server=db.example.com;User Id="sa;x"`,
		edge:    psedge,
		typ:     connstr.SQLServer,
		form:    connstr.ADONet,
		want:    fields{"db.example.com", 1433, "sa;x", "", ""},
		rewrite: `Server=psedge.global,1433;User Id="{id}-sa;x"`,
	},
}

func TestParseAndRewrite(t *testing.T) {
	t.Parallel()
	for _, tc := range rewriteCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o, err := connstr.Parse(tc.origin)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if o.Form != tc.form || fieldsOf(o) != tc.want {
				t.Errorf("Parse = %s %+v\nwant     %s %+v", o.Form, fieldsOf(o), tc.form, tc.want)
			}
			wantStr := tc.str
			if wantStr == "" {
				wantStr = tc.origin
			}
			if got := o.String(); got != wantStr {
				t.Errorf("String:\n got %q\nwant %q", got, wantStr)
			}
			if tc.setType != "" {
				if err := o.SetType(tc.setType); err != nil {
					t.Fatalf("SetType: %v", err)
				}
			}
			if o.Type != tc.typ {
				t.Errorf("Type = %s, want %s", o.Type, tc.typ)
			}
			out, err := o.Rewrite(cacheID, tc.edge)
			if err != nil {
				t.Fatalf("Rewrite: %v", err)
			}
			if want := strings.ReplaceAll(tc.rewrite, "{id}", cacheID); out != want {
				t.Errorf("Rewrite:\n got %q\nwant %q", out, want)
			}

			// Reading the rewrite back gives the edge and the same credentials.
			r, err := connstr.Parse(out)
			if err != nil {
				t.Fatalf("Parse(Rewrite): %v", err)
			}
			want := rewrittenFields(tc.want, tc.typ, tc.edge)
			if fieldsOf(r) != want || r.Form != tc.form {
				t.Errorf("Parse(Rewrite) = %s %+v\nwant             %s %+v", r.Form, fieldsOf(r), tc.form, want)
			}
		})
	}
}

// rewrittenFields is what a rewrite of an origin with fields f connects to.
func rewrittenFields(f fields, typ connstr.DBType, e connstr.Edge) fields {
	f.Host, f.Port = e.Host, e.Port
	if f.Port == 0 {
		f.Port = typ.EdgePort()
	}
	if typ != connstr.Postgres {
		f.User = cacheID + "-" + f.User
	}
	return f
}

// Inputs the fuzzers found, kept as regression rows: each must parse, write
// back to the same fields and rewrite to something that reads back.
func TestFuzzRegressions(t *testing.T) {
	isolatePGEnv(t)
	for _, s := range []string{
		// An empty value at the end of a keyword/value string: a pair appended
		// after "user=" would become its value.
		"host=0000000000000 user=",
		// A trailing backslash escapes the end of the string; appended pairs
		// must not be escaped by it.
		`host=0 password=\`,
		// Go MySQL DSNs with surrounding white space (trimmed, as a pasted
		// line's newline would be).
		"0@/ ",
		"0:@/ ",
		" 0000000000000000000@/",
		" @/",
		// pgx reads a mixed-case scheme as a keyword/value string (and so
		// accepts an invalid sslmode in it); the rewrite's scheme is lowercase.
		"postgrEs://0?sslmode=0",
	} {
		t.Run(s, func(t *testing.T) { checkProperties(t, s) })
	}
}

func TestRewriteEncodesTheCacheID(t *testing.T) {
	t.Parallel()
	const id = "a b;c'd\"e"
	for _, tc := range []struct{ origin, want string }{
		{"postgres://app@db.example.com/shop", "postgres://app@psedge.global:5432/shop?sslmode=require&application_name=a%20b%3Bc%27d%22e"},
		{"host=db.example.com user=app", `host=psedge.global port=5432 user=app sslmode=require application_name='a b;c\'d"e'`},
		{"mysql://app@db.example.com/shop", "mysql://a%20b%3Bc%27d%22e-app@psedge.global:3306/shop"},
		{"app@tcp(db.example.com)/shop", `a b;c'd"e-app@tcp(psedge.global:3306)/shop`},
		{"sqlserver://sa@db.example.com", "sqlserver://a%20b%3Bc%27d%22e-sa@psedge.global:1433"},
		{"Server=db.example.com;User Id=sa", `Server=psedge.global,1433;User Id="a b;c'd""e-sa"`},
	} {
		o, err := connstr.Parse(tc.origin)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.origin, err)
		}
		got, err := o.Rewrite(id, psedge)
		if err != nil || got != tc.want {
			t.Errorf("Rewrite(%q):\n got %q, %v\nwant %q", tc.origin, got, err, tc.want)
		}
	}
}

func TestRewriteErrors(t *testing.T) {
	t.Parallel()
	mustParse := func(s string) *connstr.Origin {
		t.Helper()
		o, err := connstr.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	// MySQL, MariaDB and SQL Server route by user name: no user, no rewrite.
	for _, s := range []string{
		"mysql://db.example.com/shop",
		"tcp(db.example.com)/shop",
		"sqlserver://db.example.com?database=shop",
		"Server=db.example.com;Database=shop",
	} {
		_, err := mustParse(s).Rewrite(cacheID, psedge)
		var pe *connstr.ParseError
		if !errors.As(err, &pe) || pe.Part != "user" {
			t.Errorf("Rewrite(%q) error = %v, want a ParseError on user", s, err)
		}
	}
	// PostgreSQL does not need the user.
	if _, err := mustParse("postgres://db.example.com/shop").Rewrite(cacheID, psedge); err != nil {
		t.Errorf("Postgres without user: %v", err)
	}

	o := mustParse("postgres://app@db.example.com/shop")
	for _, tc := range []struct {
		name string
		id   string
		edge connstr.Edge
	}{
		{"empty cache id", "", psedge},
		{"empty edge host", cacheID, connstr.Edge{}},
		{"bad edge host", cacheID, connstr.Edge{Host: "psedge.global/x"}},
		{"bad edge port", cacheID, connstr.Edge{Host: "psedge.global", Port: 70000}},
	} {
		if out, err := o.Rewrite(tc.id, tc.edge); err == nil {
			t.Errorf("%s: Rewrite = %q, want an error", tc.name, out)
		}
	}
	// A Go MySQL DSN splits user and password at the first ':'.
	if out, err := mustParse("app@tcp(db.example.com)/shop").Rewrite("a:b", psedge); err == nil {
		t.Errorf("cache id with ':' in a DSN: Rewrite = %q, want an error", out)
	}
}

func TestStringWritesChangedFields(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		origin string
		change func(*connstr.Origin)
		want   string
	}{
		{
			"postgres://app:pw@db.example.com/shop?sslmode=disable",
			func(o *connstr.Origin) { o.Database = "other db"; o.Password = "new@pw" },
			"postgres://app:new%40pw@db.example.com/other%20db?sslmode=disable",
		},
		{
			"postgres://db.example.com/shop?user=app",
			func(o *connstr.Origin) { o.User = "bob"; o.Host = "2001:db8::1"; o.Port = 6432 },
			"postgres://[2001:db8::1]:6432/shop?user=bob",
		},
		{
			"host=db.example.com user=app",
			func(o *connstr.Origin) { o.Password = "a b"; o.Port = 6432 },
			"host=db.example.com port=6432 user=app password='a b'",
		},
		{
			"app@tcp(db.example.com)/shop?parseTime=true",
			func(o *connstr.Origin) { o.Password = "p@ss"; o.Database = "a/b" },
			"app:p@ss@tcp(db.example.com)/a%2Fb?parseTime=true",
		},
		{
			// A Go MySQL DSN cannot carry ':' in a user name: the old one stays.
			"app@tcp(db.example.com)/shop",
			func(o *connstr.Origin) { o.User = "a:b"; o.Port = 3307 },
			"app@tcp(db.example.com:3307)/shop",
		},
		{
			"sqlserver://db.example.com?user%20id=sa",
			func(o *connstr.Origin) { o.Password = "pw"; o.Database = "shop" },
			"sqlserver://db.example.com?user%20id=sa&password=pw&database=shop",
		},
		{
			"Server=db.example.com;User Id=sa;",
			func(o *connstr.Origin) { o.User = "bob"; o.Password = "a;b" },
			`Server=db.example.com;User Id=bob;Password="a;b";`,
		},
	} {
		o, err := connstr.Parse(tc.origin)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.origin, err)
		}
		tc.change(o)
		want := fieldsOf(o)
		if o.Form == connstr.MySQLDSN && strings.Contains(o.User, ":") {
			want.User = "app"
		}
		got := o.String()
		if got != tc.want {
			t.Errorf("String of edited %q:\n got %q\nwant %q", tc.origin, got, tc.want)
		}
		if r, err := connstr.Parse(got); err != nil || fieldsOf(r) != want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", got, fieldsOf(r), err, want)
		}
	}
}

func TestParseDBType(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]connstr.DBType{
		"postgres": connstr.Postgres, "PostgreSQL": connstr.Postgres, "pg": connstr.Postgres,
		"mysql": connstr.MySQL, "MariaDB": connstr.MariaDB,
		"mssql": connstr.SQLServer, "SQLServer": connstr.SQLServer,
	} {
		if got, err := connstr.ParseDBType(in); err != nil || got != want {
			t.Errorf("ParseDBType(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	// The message names the type; the valid values are its hint, for
	// the line after it.
	_, err := connstr.ParseDBType("oracle")
	if err == nil || err.Error() != `unknown database type "oracle"` {
		t.Errorf("ParseDBType(oracle) error = %v, want unknown database type \"oracle\"", err)
	}
	if h, ok := err.(interface{ Hint() string }); !ok || !strings.Contains(h.Hint(), "postgres") || !strings.Contains(h.Hint(), "mariadb") {
		t.Errorf("ParseDBType(oracle) error = %v, want a hint listing the valid values", err)
	}
}

func TestEdgePort(t *testing.T) {
	t.Parallel()
	for typ, want := range map[connstr.DBType]int{
		connstr.Postgres: 5432, connstr.MySQL: 3306, connstr.MariaDB: 3307, connstr.SQLServer: 1433, "oracle": 0,
	} {
		if got := typ.EdgePort(); got != want {
			t.Errorf("%s.EdgePort() = %d, want %d", typ, got, want)
		}
	}
}

func TestSetType(t *testing.T) {
	t.Parallel()
	o, _ := connstr.Parse("app@tcp(db.example.com)/shop")
	if err := o.SetType(connstr.MariaDB); err != nil || o.Type != connstr.MariaDB {
		t.Errorf("mysql -> mariadb: %v, type %s", err, o.Type)
	}
	if err := o.SetType(connstr.MySQL); err != nil || o.Type != connstr.MySQL {
		t.Errorf("mariadb -> mysql: %v, type %s", err, o.Type)
	}
	for _, to := range []connstr.DBType{connstr.Postgres, connstr.SQLServer, "oracle"} {
		if err := o.SetType(to); err == nil || o.Type != connstr.MySQL {
			t.Errorf("mysql -> %s: err = %v, type %s; want an error and no change", to, err, o.Type)
		}
	}
	p, _ := connstr.Parse("postgres://db.example.com/shop")
	if err := p.SetType(connstr.MySQL); err == nil {
		t.Error("postgres -> mysql: want an error")
	}
}

func TestParseEdge(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want connstr.Edge
	}{
		{"psedge.global", connstr.Edge{Host: "psedge.global"}},
		{"psedge.global:6543", connstr.Edge{Host: "psedge.global", Port: 6543}},
		{"192.0.2.1:5432", connstr.Edge{Host: "192.0.2.1", Port: 5432}},
		{"[2001:db8::1]:5432", connstr.Edge{Host: "2001:db8::1", Port: 5432}},
		{"[2001:db8::1]", connstr.Edge{Host: "2001:db8::1"}},
		{"::1", connstr.Edge{Host: "::1"}},
	} {
		if got, err := connstr.ParseEdge(tc.in); err != nil || got != tc.want {
			t.Errorf("ParseEdge(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{
		"", ":5432", "psedge.global:", "psedge.global:0", "psedge.global:65536", "psedge.global:x",
		"[::1", "[::1]x", "[192.0.2.1]:5432", "a b", "psedge.global/x", "h1,h2", "https://psedge.global",
		"1:2:3", "[::1]:5432:1",
	} {
		if got, err := connstr.ParseEdge(in); err == nil {
			t.Errorf("ParseEdge(%q) = %+v, want an error", in, got)
		}
	}
}
