package data

// ODEX problems the sandbox cannot judge as published, by reason. The lists
// are checked both ways by the sandbox's real-data tests: every problem here
// still fails, every other supported problem passes.

// ODEXUnavailableLibraries are the libraries some ODEX problems need that the
// sandbox's Python (Debian 12's packages, see scripts/setup.sh) lacks;
// problems needing one are unsupported.
func ODEXUnavailableLibraries() map[string]string {
	return map[string]string{"obspy": "not packaged by Debian 12"}
}

// Reasons a supported ODEX reference solution fails in the sandbox.
const (
	judgeObjects = "the test hands the program objects of its own process (mocks, open files, database cursors, locks, parsers, classes defined inside the test); the judge never gives a program live references into its process"
	separation   = "the test inspects effects inside its own process (sys.path, a mock it installed, the type() of a returned object); the program runs in another process and its objects reach the test as handles"
	network      = "needs the network, which the sandbox does not have"
	hostFiles    = "needs files or programs of the original author's machine"
	versions     = "the reference solution fails on Python 3.11 / pandas 1.5 (Debian 12): changed regex rules, tab indentation, pandas API, or an undefined name"
)

// ODEXKnownBroken maps each supported ODEX problem whose reference solution
// fails in the sandbox to the reason.
func ODEXKnownBroken() map[string]string {
	return map[string]string{
		"odex/29784889":   separation, // warnings.filters of the test's process
		"odex/14971373":   separation,
		"odex/8315209":    separation,
		"odex/3108285":    separation,
		"odex/17977584":   separation,
		"odex/22676":      network,
		"odex/22676.1":    network,
		"odex/22676.2":    network,
		"odex/22676.3":    network,
		"odex/15405636":   judgeObjects,
		"odex/14026704":   judgeObjects,
		"odex/20211942":   separation,
		"odex/17438096":   judgeObjects,
		"odex/7138686":    judgeObjects,
		"odex/17021863":   judgeObjects,
		"odex/3880399":    judgeObjects,
		"odex/14695134":   judgeObjects,
		"odex/4143502":    separation,
		"odex/4143502.1":  separation,
		"odex/32063985":   separation,
		"odex/20461165":   versions,
		"odex/20461165.1": versions,
		"odex/8519922":    separation,
		"odex/32675861":   versions,
		"odex/7011291":    judgeObjects,
		"odex/403421.1":   judgeObjects,
		"odex/3777301":    separation,
		"odex/3777301.1":  separation,
		"odex/9035479":    judgeObjects,
		"odex/19894365":   hostFiles,
		"odex/19894365.1": separation,
		"odex/35622945":   versions,
		"odex/24189150":   judgeObjects,
		"odex/12330522":   judgeObjects,
		"odex/16041405":   separation,
		"odex/7373219":    judgeObjects,
		"odex/2545397":    judgeObjects,
		"odex/3595685":    hostFiles,
		"odex/34902378":   judgeObjects,
		"odex/24642040":   separation,
		"odex/29394552":   separation,
		"odex/40924332":   versions,
		"odex/804995":     hostFiles,
		"odex/26441253":   judgeObjects,
		"odex/18897261":   separation,
		"odex/303200":     hostFiles,
		"odex/13740672":   versions,
		"odex/2805231":    network,
		"odex/598398":     judgeObjects,
		"odex/3964681":    hostFiles,
		"odex/3964681.1":  hostFiles,
		"odex/3964681.2":  separation,
		"odex/20865487":   separation,
		"odex/8691311":    judgeObjects,
		"odex/7243750":    network,
		"odex/6420361":    separation,
		"odex/18367007":   judgeObjects,
		"odex/6159900":    judgeObjects,
		"odex/38081866":   separation,
	}
}
