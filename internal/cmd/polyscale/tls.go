package polyscale

import (
	"github.com/cachelink/cachelink/internal/connstr"
	"github.com/cachelink/cachelink/internal/iostreams"
)

// warnWeakTLS says on stderr, once per setting, what becomes of each
// setting of the origin that lets a connection go unencrypted or
// unverified (connstr.WeakTLS): the edge connection string crosses the
// internet to PolyScale's public edge. PostgreSQL's sslmode is upgraded
// to require in the edge string; the settings of MySQL, MariaDB and SQL
// Server are kept (whether the edge takes TLS for them is not published)
// and warned about. Never silent; docs/polyscale.md has the table.
func warnWeakTLS(ios *iostreams.IOStreams, origin *connstr.Origin) {
	for _, w := range origin.WeakTLS() {
		if w.Upgraded {
			ios.Warnf("the origin's %s allows an unencrypted connection, and the connection string through PolyScale's edge crosses the internet: it has %s instead",
				w.Setting, w.Fix)
			continue
		}
		ios.WarnHint("Set "+w.Fix+" in the origin if your driver and PolyScale's edge accept it; see docs/polyscale.md.",
			"the origin's %s allows an unencrypted or unverified connection, and the connection string through PolyScale's edge crosses the internet; cachelink keeps the setting", w.Setting)
	}
}
