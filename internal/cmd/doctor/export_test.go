package doctor

// Run is doctor's run function, for tests that adjust the options (fake
// /proc, a keychain that hangs) before running every check.
var Run = doctorRun
