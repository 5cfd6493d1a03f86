package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"visaclock/internal/i18n"
	"visaclock/internal/packs"
	"visaclock/internal/site"
)

// runSite writes the private checker as static files (docs/checker.md).
func runSite(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("site", stderr)
	out := fs.String("out", "", "write the site into `DIR` (required)")
	moduleDir := fs.String("module", "", "take visaclock.wasm and wasm_exec.js from `DIR` (default: the module built into this binary)")
	post := fs.String("post", "", "with scripts off, send the form to the visaclock server at `URL` (ending in /check/); default: the page asks for scripts")
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageError{"site: --out DIR is required"}
	}
	if *post != "" && !(strings.HasPrefix(*post, "https://") || strings.HasPrefix(*post, "http://")) || *post != "" && !strings.HasSuffix(*post, "/check/") {
		return usageError{fmt.Sprintf("site: --post %q: give the full address of a visaclock server's checker, such as https://example.org/check/", *post)}
	}
	m, ok := site.Embedded()
	if *moduleDir != "" {
		if m, ok = site.ReadModule(os.DirFS(*moduleDir), "."); !ok {
			return fmt.Errorf("site: --module %s: it must hold %s and %s (go generate ./internal/site writes them)", *moduleDir, site.WASMFile, site.ExecFile)
		}
	}
	if !ok {
		return site.ErrNoModule
	}
	// The module carries the embedded packs, so the page offers those.
	reg, err := packs.Embedded()
	if err != nil {
		return err
	}
	cat, err := i18n.Load()
	if err != nil {
		return err
	}
	s, err := site.Build(site.Options{Packs: reg, Catalog: cat, Module: m, RequireModule: true, Action: *post})
	if err != nil {
		return err
	}
	if err := s.WriteDir(*out); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "wrote %d files and SHA256SUMS to %s\n", len(s.Names()), *out)
	return err
}
