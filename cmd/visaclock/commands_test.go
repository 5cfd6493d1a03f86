package main

import (
	"strings"
	"testing"
)

// leaves is every runnable command path in the dispatch table.
func leaves(prefix []string, list []command) [][]string {
	var out [][]string
	for _, c := range list {
		path := append(append([]string(nil), prefix...), c.name)
		if c.subs != nil {
			out = append(out, path) // a group answers --help too
			out = append(out, leaves(path, c.subs)...)
			continue
		}
		out = append(out, path)
	}
	return out
}

// TestEveryCommandAnswersHelp walks the dispatch table, so a command added
// to it is checked without being listed here: CMD --help, CMD -h and
// help CMD print its usage on standard output and succeed.
func TestEveryCommandAnswersHelp(t *testing.T) {
	paths := leaves(nil, commands)
	if len(paths) < 20 {
		t.Fatalf("only %d command paths in the table: %v", len(paths), paths)
	}
	for _, path := range paths {
		name := strings.Join(path, " ")
		for _, args := range [][]string{
			append(append([]string(nil), path...), "--help"),
			append(append([]string(nil), path...), "-h"),
			append([]string{"help"}, path...),
		} {
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				out, errOut, err := runCLI(t, "", args...)
				if err != nil {
					t.Fatalf("exit status %d (%v), want 0; stderr:\n%s", status(err), err, errOut)
				}
				if !strings.Contains(out, "visaclock "+name) {
					t.Errorf("stdout does not show the usage of %q:\n%s", name, out)
				}
				if errOut != "" {
					t.Errorf("help wrote to stderr:\n%s", errOut)
				}
			})
		}
	}
}

// TestUsageErrorsShowTheForm: a usage error says which form was expected.
func TestUsageErrorsShowTheForm(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"check"}, []string{"give exactly one FILE", "usage:\n  visaclock check ["}},
		{[]string{"keys"}, []string{"keys: give a subcommand; accepted: new, rotate", "visaclock keys rotate"}},
		{[]string{"keys", "turn"}, []string{`unknown subcommand "turn"; accepted: new, rotate`}},
		{[]string{"plan", "--enter", "2026-01-01"}, []string{"usage:\n  visaclock plan --enter DATE"}},
		{[]string{"migrate", "--db", "mysql://u:pw@h/db"}, []string{"mysql:// is not accepted", "PostgreSQL URL", "SQLite file", "u:xxxxx@h"}},
		{[]string{"help", "nosuch"}, []string{`unknown command "nosuch"`}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, _, err := runCLI(t, "", tt.args...)
			if status(err) != 2 {
				t.Fatalf("exit status %d (%v), want 2", status(err), err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// TestDBErrorNamesThePath: a database that cannot be opened is named, with
// what --db accepts.
func TestDBErrorNamesThePath(t *testing.T) {
	missing := t.TempDir() + "/no/such/dir/x.db"
	for _, args := range [][]string{
		{"migrate", "--db", missing},
		{"audit", "verify", "--db", missing},
	} {
		_, _, err := runCLI(t, "", args...)
		if status(err) != 1 || !strings.Contains(err.Error(), "--db "+missing+": could not open it") || !strings.Contains(err.Error(), "PostgreSQL URL") {
			t.Errorf("%q: exit %d, error %v; want 1 naming the path and what --db takes", args, status(err), err)
		}
	}
}

func TestVersion(t *testing.T) {
	out, _, err := runCLI(t, "", "version")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"visaclock (devel)\n", "commit: ", "go: go1.", "rule packs:\n", "  cn-family-visit 2026.1\n", "  us-visitor 2026.1\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("version output lacks %q:\n%s", want, out)
		}
	}
}

// TestBatchExitStatus: check --batch answers every line, errors included,
// and exits 0 whatever the states; 1 when it cannot read its input, 2 for
// a usage error (README's table).
func TestBatchExitStatus(t *testing.T) {
	overstay := `{"as_of":"2026-11-10","grants":[{"id":"q2","rule":"cn-family-visit","stay_days":30}],"trips":[{"entry":"2026-08-20"}]}`
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  int
		lines int
	}{
		{"an overstay", overstay + "\n", []string{"check", "--batch"}, 0, 1},
		{"a bad line and an overstay", "{\n" + overstay + "\n", []string{"check", "--batch"}, 0, 2},
		{"empty input", "", []string{"check", "--batch"}, 0, 0},
		{"a file that is not there", "", []string{"check", "--batch", "testdata/no-such-file.jsonl"}, 1, 0},
		{"a bad --explain", overstay, []string{"check", "--batch", "--explain", "most"}, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := runCLI(t, tt.stdin, tt.args...)
			if got := status(err); got != tt.want {
				t.Errorf("exit status %d (%v), want %d", got, err, tt.want)
			}
			if got := strings.Count(out, "\n"); got != tt.lines {
				t.Errorf("%d lines answered, want %d:\n%s", got, tt.lines, out)
			}
		})
	}
}
