package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// zeros is standard input that never ends and has no newline.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestInputIsCapped: a history file or standard input larger than the cap
// is refused with an error that names the cap, instead of being read into
// memory to its end. The context fails a test that hangs instead.
func TestInputIsCapped(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero on this system") // Windows
	}
	tests := []struct {
		name  string
		stdin io.Reader
		args  []string
		want  string
	}{
		{"check /dev/zero", nil, []string{"check", "/dev/zero"}, "/dev/zero: larger than 64 MiB (67108864 bytes)"},
		{"check stdin", zeros{}, []string{"check", "-"}, "standard input: larger than 64 MiB (67108864 bytes)"},
		{"plan stdin", zeros{}, []string{"plan", "--enter", "2026-12-01", "-"}, "standard input: larger than 64 MiB"},
		{"rules validate /dev/zero", nil, []string{"rules", "validate", "/dev/zero"}, "/dev/zero: larger than 64 MiB"},
		{"a passphrase file", nil, []string{"export", "--out", "x.age", "--passphrase-file", "/dev/zero", "--data", "no-data"}, "--passphrase-file: /dev/zero: larger than 1 MiB (1048576 bytes)"},
		{"a master key file", nil, []string{"audit", "verify", "--master-key-file", "/dev/zero", "--data", "no-data"}, "/dev/zero: larger than 1 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			var out, errOut bytes.Buffer
			err := run(ctx, testNow, tt.args, tt.stdin, &out, &errOut)
			if ctx.Err() != nil {
				t.Fatal("the command did not end before the test's deadline")
			}
			if status(err) != 1 {
				t.Fatalf("exit status %d (%v), want 1", status(err), err)
			}
			if got := err.Error() + out.String(); !strings.Contains(got, tt.want) {
				t.Errorf("error %q, want it to say %q", got, tt.want)
			}
		})
	}
}

// TestCancelWhileReading: a command waiting on standard input, or reading
// a line that never ends, returns when its context ends.
func TestCancelWhileReading(t *testing.T) {
	blocked, w := io.Pipe() // a read waits until the test writes, which it never does
	defer w.Close()
	for _, tt := range []struct {
		name  string
		stdin io.Reader
		args  []string
	}{
		{"check waiting", blocked, []string{"check", "-"}},
		{"batch waiting", blocked, []string{"check", "--batch"}},
		{"plan waiting", blocked, []string{"plan", "--enter", "2026-12-01", "-"}},
		{"batch endless line", zeros{}, []string{"check", "--batch"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancelCause(context.Background())
			done := make(chan error, 1)
			go func() { done <- run(ctx, testNow, tt.args, tt.stdin, io.Discard, io.Discard) }()
			stop := errors.New("stopped by the test")
			cancel(stop)
			deadline := time.NewTimer(30 * time.Second)
			defer deadline.Stop()
			select {
			case err := <-done:
				if !errors.Is(err, stop) {
					t.Errorf("error %v, want the context's cause", err)
				}
			case <-deadline.C:
				t.Fatal("the command did not return after its context ended")
			}
		})
	}
}

// TestSignalEndsTheBinary starts the real binary, waits until it is
// reading a line from standard input that never ends, sends SIGTERM (and
// Ctrl-C's SIGINT) and checks that it exits with the documented status.
func TestSignalEndsTheBinary(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM on Windows")
	}
	bin := buildBinary(t)
	for _, tt := range []struct {
		args []string
		sig  syscall.Signal
		want int
	}{
		{[]string{"check", "-"}, syscall.SIGTERM, 143},
		{[]string{"check", "--batch"}, syscall.SIGTERM, 143},
		{[]string{"check", "--batch"}, syscall.SIGINT, 130},
		{[]string{"plan", "--enter", "2026-12-01", "-"}, syscall.SIGINT, 130},
	} {
		t.Run(strings.Join(tt.args, " ")+" "+tt.sig.String(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, tt.args...)
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			var errOut bytes.Buffer
			cmd.Stderr = &errOut
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Far more than a pipe holds: when the write returns, the
			// program is running and reading, its signal handler set.
			if _, err := stdin.Write(bytes.Repeat([]byte{'{'}, 4<<20)); err != nil {
				t.Fatal(err)
			}
			if err := cmd.Process.Signal(tt.sig); err != nil {
				t.Fatal(err)
			}
			err = cmd.Wait()
			stdin.Close()
			if ctx.Err() != nil {
				t.Fatal("the binary did not exit after the signal; the test killed it")
			}
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != tt.want {
				t.Fatalf("exit %v, want status %d; stderr:\n%s", err, tt.want, errOut.String())
			}
			if !strings.Contains(errOut.String(), "visaclock: stopped by") {
				t.Errorf("stderr does not say why it stopped:\n%s", errOut.String())
			}
		})
	}
}

// TestZeroLengthInAFile: the CLI reports a length given as 0 with its
// field, range and line (internal/casefile tests every length field).
func TestZeroLengthInAFile(t *testing.T) {
	in := "as_of: 2026-11-10\ngrants:\n  - {id: q2, rule: cn-family-visit, stay_days: 0}\ntrips:\n  - entry: 2026-08-20\n"
	_, _, err := runCLI(t, in, "check", "-")
	if status(err) != 1 || err.Error() != "-: line 3: grants[0].stay_days: 0 is outside 1–3660" {
		t.Errorf("exit %d, error %v; want 1 and line 3: grants[0].stay_days: 0 is outside 1–3660", status(err), err)
	}
}
