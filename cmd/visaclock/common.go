package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"visaclock/internal/date"
	"visaclock/internal/packs"
)

// dateFlag is a flag.Value holding a date.Date.
type dateFlag struct{ d *date.Date }

func (f dateFlag) String() string {
	if f.d == nil {
		return ""
	}
	return f.d.String()
}

func (f dateFlag) Set(s string) error {
	d, err := date.Parse(s)
	if err != nil {
		return err
	}
	*f.d = d
	return nil
}

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	// -help prints the command's lines of the usage text and its flags.
	fs.Usage = func() {
		w := fs.Output()
		if s := synopsis(name); s != "" {
			fmt.Fprintf(w, "Usage:\n%s", s)
		}
		fmt.Fprintln(w, "\nFlags:")
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses flags wherever they stand, before or after the file
// (`plan FILE --enter DATE` as well as `plan --enter DATE FILE`); "--" ends
// them.
func parseFlags(fs *flag.FlagSet, args []string) error {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return errHelp // the flag package has printed the help
			}
			return usageError{err.Error()}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if len(args) > 0 && len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			positional = append(positional, rest...)
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	return fs.Parse(append([]string{"--"}, positional...))
}

// loadRules returns the embedded packs, plus those in dir when it is set.
func loadRules(dir string) (*packs.Registry, error) {
	reg, err := packs.Embedded()
	if err != nil {
		return nil, err
	}
	if dir != "" {
		if err := reg.AddDir(os.DirFS(dir)); err != nil {
			return nil, fmt.Errorf("--rules %s: %w", dir, err)
		}
	}
	return reg, nil
}

// today is the local calendar date by now, the default as_of.
func today(now func() time.Time) date.Date {
	y, m, d := now().Date()
	return date.MustOf(y, m, d)
}

// errHelp ends a command that was asked for its help, successfully.
var errHelp = errors.New("help")

// noArgs refuses positional arguments for commands that take none.
// parseOnlyFlags parses a command that takes flags and no argument.
func parseOnlyFlags(fs *flag.FlagSet, args []string) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return noArgs(fs)
}

func noArgs(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("%s: unexpected argument %q; this command takes only flags", fs.Name(), fs.Arg(0))}
	}
	return nil
}

func oneFile(fs *flag.FlagSet) (string, error) {
	if fs.NArg() != 1 {
		return "", usageError{fmt.Sprintf("%s: give exactly one FILE (or - for standard input)", fs.Name())}
	}
	return fs.Arg(0), nil
}
