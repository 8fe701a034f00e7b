package oauth

import (
	"errors"
	"runtime"
	"syscall"
)

// Windows socket errors (winsock), which syscall does not name.
const (
	wsaEAFNOSUPPORT  = 10047
	wsaEADDRINUSE    = 10048
	wsaEADDRNOTAVAIL = 10049
)

// isAddrInUse reports whether a listen failed because the port is taken.
func isAddrInUse(err error) bool {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return false
	}
	if runtime.GOOS == "windows" {
		return errno == wsaEADDRINUSE
	}
	return errno == syscall.EADDRINUSE
}

// isNoIPv6 reports whether a listen on [::1] failed because the machine
// has no IPv6 (not because something else is wrong).
func isNoIPv6(err error) bool {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return false
	}
	if runtime.GOOS == "windows" {
		return errno == wsaEAFNOSUPPORT || errno == wsaEADDRNOTAVAIL
	}
	return errno == syscall.EAFNOSUPPORT || errno == syscall.EADDRNOTAVAIL || errno == syscall.EPROTONOSUPPORT
}
