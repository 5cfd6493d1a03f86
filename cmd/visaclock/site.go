package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"visaclock/internal/i18n"
	"visaclock/internal/packs"
	"visaclock/internal/site"
)

// runSite writes the private checker as static files, or as one file
// that works opened from disk (docs/checker.md).
func runSite(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("site", stderr)
	out := fs.String("out", "", "write the site into `DIR` (give --out, --single or both)")
	single := fs.String("single", "", "write the checker as one self-contained `FILE.html` that works opened from disk with no network, and its SHA-256 as FILE.html.sha256")
	moduleDir := fs.String("module", "", "take visaclock.wasm and wasm_exec.js from `DIR` (default: the module built into this binary)")
	post := fs.String("post", "", "with scripts off, send the form to the visaclock server at `URL` (ending in /check/); default: the page asks for scripts")
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	if *out == "" && *single == "" {
		return usageError{"site: --out DIR or --single FILE.html is required"}
	}
	// A browser opens a file from disk as a page only by its name.
	if *single != "" && !strings.HasSuffix(strings.ToLower(*single), ".html") {
		return usageError{fmt.Sprintf("site: --single %q: give a file name ending in .html, so that a browser opens it", *single)}
	}
	if *post != "" && *out == "" {
		return usageError{"site: --post applies to the site written by --out; the single file sends nothing anywhere"}
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
	if *out != "" {
		if err := s.WriteDir(*out); err != nil {
			return err
		}
		if _, err := fmt.Fprintf(stdout, "wrote %d files and SHA256SUMS to %s\n", len(s.Names()), *out); err != nil {
			return err
		}
	}
	if *single != "" {
		return writeSingle(s, *single, stdout)
	}
	return nil
}

// writeSingle writes the single file, its checksum beside it as sha256sum
// writes it (so that `sha256sum -c FILE.html.sha256` checks it), and says
// the checksum, for the sender to give the recipient by another way.
func writeSingle(s *site.Site, file string, stdout io.Writer) error {
	b, err := s.Single()
	if err != nil {
		return err
	}
	if err := os.WriteFile(file, b, 0o644); err != nil {
		return fmt.Errorf("site: --single: %w", err)
	}
	sum := fmt.Sprintf("%x", sha256.Sum256(b))
	if err := os.WriteFile(file+".sha256", []byte(sum+"  "+filepath.Base(file)+"\n"), 0o644); err != nil {
		return fmt.Errorf("site: --single: %w", err)
	}
	_, err = fmt.Fprintf(stdout, "wrote %s (%d bytes) and %s.sha256\nSHA-256 %s\n", file, len(b), file, sum)
	return err
}
