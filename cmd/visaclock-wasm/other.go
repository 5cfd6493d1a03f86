//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

// main on other platforms says how to build the module.
func main() {
	fmt.Fprintln(os.Stderr, "visaclock-wasm is a WebAssembly module: build it with GOOS=js GOARCH=wasm (docs/checker.md)")
	os.Exit(2)
}
