// Package sitetest builds the checker's WebAssembly module for tests, once
// per test binary: compiling it takes most of a minute on a small machine.
package sitetest

import (
	"context"
	"os"
	"sync"
	"testing"

	"visaclock/internal/site"
)

var (
	once sync.Once
	dir  string
	mod  site.Module
	err  error
)

// Module returns the module built from this checkout, and the directory
// holding it. The first call builds it; Cleanup removes it.
func Module(t testing.TB) (site.Module, string) {
	t.Helper()
	once.Do(func() {
		if dir, err = os.MkdirTemp("", "visaclock-module-"); err != nil {
			return
		}
		mod, err = site.BuildModule(context.Background(), dir)
	})
	if err != nil {
		t.Fatal(err)
	}
	return mod, dir
}

// Cleanup removes the module built by Module; call it from TestMain after
// the tests have run.
func Cleanup() {
	if dir != "" {
		os.RemoveAll(dir)
	}
}
