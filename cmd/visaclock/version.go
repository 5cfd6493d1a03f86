package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version and commit are set by scripts/release with
// -ldflags "-X main.version=… -X main.commit=…". A build without them
// (go run, go build) falls back to what the Go toolchain recorded.
var (
	version = ""
	commit  = ""
)

// buildVersion is the version, the commit and whether the tree it was
// built from had uncommitted changes, as best the binary knows them:
// "(devel)" and "unknown" when it does not.
func buildVersion() (ver, rev string) {
	ver, rev = version, commit
	info, ok := debug.ReadBuildInfo()
	if ver == "" {
		ver = "(devel)"
		if ok && info.Main.Version != "" {
			ver = info.Main.Version
		}
	}
	if rev == "" && ok {
		modified := false
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if rev != "" && modified {
			rev += " (with uncommitted changes)"
		}
	}
	if rev == "" {
		rev = "unknown (built without version control information)"
	}
	return ver, rev
}

func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("version", stderr)
	rulesDir := fs.String("rules", "", "also list the rule packs in `DIR`")
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	reg, err := loadRules(*rulesDir)
	if err != nil {
		return err
	}
	ver, rev := buildVersion()
	fmt.Fprintf(stdout, "visaclock %s\ncommit: %s\ngo: %s %s/%s\nrule packs:\n", ver, rev, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	for _, id := range reg.IDs() {
		f, _ := reg.File(id)
		fmt.Fprintf(stdout, "  %s %s\n", f.ID, f.Version)
	}
	return nil
}
