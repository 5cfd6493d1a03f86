package site

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

//go:generate go run ./genmodule module

// BuildModule compiles cmd/visaclock-wasm with the go command on PATH
// (run from inside the visaclock module) and writes it, with the
// wasm_exec.js of the same Go release, into dir. Symbols and DWARF are
// left out (-ldflags=-s -w): they are a third of the module and the page
// has no use for them.
func BuildModule(ctx context.Context, dir string) (Module, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Module{}, err
	}
	out := filepath.Join(dir, WASMFile)
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, "visaclock/cmd/visaclock-wasm")
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	var stderr bytes.Buffer
	build.Stderr = &stderr
	if err := build.Run(); err != nil {
		return Module{}, fmt.Errorf("site: build the module: %w: %s", err, stderr.String())
	}
	env := exec.CommandContext(ctx, "go", "env", "GOROOT")
	root, err := env.Output()
	if err != nil {
		return Module{}, fmt.Errorf("site: go env GOROOT: %w", err)
	}
	// Go 1.24 moved wasm_exec.js from misc/wasm to lib/wasm.
	exe, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(root)), "lib", "wasm", ExecFile))
	if err != nil {
		return Module{}, fmt.Errorf("site: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ExecFile), exe, 0o644); err != nil {
		return Module{}, err
	}
	w, err := os.ReadFile(out)
	if err != nil {
		return Module{}, err
	}
	return Module{WASM: w, Exec: exe}, nil
}
