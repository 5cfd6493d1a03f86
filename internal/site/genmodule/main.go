// Command genmodule builds the checker's WebAssembly module into the
// directory it is given, for `go generate ./internal/site`.
package main

import (
	"context"
	"fmt"
	"os"

	"visaclock/internal/site"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: genmodule DIR")
		os.Exit(2)
	}
	m, err := site.BuildModule(context.Background(), os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%s: %d bytes, %s: %d bytes\n", site.WASMFile, len(m.WASM), site.ExecFile, len(m.Exec))
}
