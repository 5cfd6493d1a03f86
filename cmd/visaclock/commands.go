package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// cmdEnv is what run hands every command.
type cmdEnv struct {
	ctx            context.Context
	now            func() time.Time
	stdin          io.Reader
	stdout, stderr io.Writer
}

// A command is a leaf that runs, or a group of subcommands. Dispatch, help
// and the test that every command answers --help all walk this one table,
// so a command added here cannot be left out of them.
type command struct {
	name string
	run  func(e cmdEnv, args []string) error
	subs []command
}

var commands = []command{
	{name: "check", run: func(e cmdEnv, a []string) error {
		return runCheck(e.ctx, e.now, a, e.stdin, e.stdout, e.stderr)
	}},
	{name: "plan", run: func(e cmdEnv, a []string) error {
		return runPlan(e.ctx, e.now, a, e.stdin, e.stdout, e.stderr)
	}},
	{name: "rules", subs: []command{
		{name: "list", run: func(e cmdEnv, a []string) error { return runRulesList(a, e.stdout, e.stderr) }},
		{name: "show", run: func(e cmdEnv, a []string) error { return runRulesShow(a, e.stdout, e.stderr) }},
		{name: "validate", run: func(e cmdEnv, a []string) error { return runRulesValidate(a, e.stdout, e.stderr) }},
	}},
	{name: "serve", run: func(e cmdEnv, a []string) error { return runServe(e.ctx, e.now, a, e.stdout, e.stderr) }},
	{name: "migrate", run: func(e cmdEnv, a []string) error { return runMigrate(e.ctx, a, e.stdout, e.stderr) }},
	{name: "orgs", subs: []command{
		{name: "add", run: func(e cmdEnv, a []string) error { return runOrgsAdd(e.ctx, e.now, a, e.stdout, e.stderr) }},
	}},
	{name: "keys", subs: []command{
		{name: "new", run: func(e cmdEnv, a []string) error { return runKeysNew(a, e.stdout, e.stderr) }},
		{name: "rotate", run: func(e cmdEnv, a []string) error { return runKeysRotate(e.ctx, e.now, a, e.stdout, e.stderr) }},
	}},
	{name: "audit", subs: []command{
		{name: "verify", run: func(e cmdEnv, a []string) error { return runAuditVerify(e.ctx, e.now, a, e.stdout, e.stderr) }},
	}},
	{name: "backup", run: func(e cmdEnv, a []string) error { return runBackup(e.ctx, a, e.stdout, e.stderr) }},
	{name: "export", run: func(e cmdEnv, a []string) error { return runExport(e.ctx, e.now, a, e.stdout, e.stderr) }},
	{name: "import", run: func(e cmdEnv, a []string) error { return runImport(e.ctx, e.now, a, e.stdout, e.stderr) }},
	{name: "cases", subs: []command{
		{name: "import", run: func(e cmdEnv, a []string) error { return runCasesImport(e.ctx, e.now, a, e.stdout, e.stderr) }},
	}},
	{name: "dev", subs: []command{
		{name: "seed", run: func(e cmdEnv, a []string) error { return runDevSeed(e.ctx, e.now, a, e.stdout, e.stderr) }},
		{name: "bench-list", run: func(e cmdEnv, a []string) error { return runBenchList(e.ctx, e.now, a, e.stdout, e.stderr) }},
	}},
	{name: "site", run: func(e cmdEnv, a []string) error { return runSite(a, e.stdout, e.stderr) }},
	{name: "version", run: func(e cmdEnv, a []string) error { return runVersion(a, e.stdout, e.stderr) }},
}

// isHelpFlag reports whether arg asks for help.
func isHelpFlag(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help"
}

// wantsHelp reports whether args, up to a "--", ask for help.
func wantsHelp(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if isHelpFlag(a) {
			return true
		}
	}
	return false
}

// dispatch finds the command args name in list and runs it. path is the
// names before it, for messages.
func dispatch(e cmdEnv, list []command, path string, args []string) error {
	if len(args) > 0 && isHelpFlag(args[0]) {
		fmt.Fprintln(e.stdout, groupHelp(path, list))
		return nil
	}
	if path == "visaclock" && len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return usageError{"no command"}
	}
	accepted := strings.Join(names(list), ", ")
	if len(args) == 0 {
		return usageError{fmt.Sprintf("%s: give a subcommand; accepted: %s\n%s", path, accepted, groupHelp(path, list))}
	}
	i := slices.IndexFunc(list, func(c command) bool { return c.name == args[0] })
	if i < 0 {
		if path == "visaclock" {
			fmt.Fprint(e.stderr, usage)
			return usageError{fmt.Sprintf("unknown command %q; accepted: %s", args[0], accepted)}
		}
		return usageError{fmt.Sprintf("%s: unknown subcommand %q; accepted: %s\n%s", path, args[0], accepted, groupHelp(path, list))}
	}
	c := list[i]
	name := strings.TrimPrefix(path+" "+c.name, "visaclock ")
	if c.subs != nil {
		return dispatch(e, c.subs, name, args[1:])
	}
	if wantsHelp(args[1:]) {
		// Help is an answer: it goes to standard output, with status 0.
		e.stderr = e.stdout
	}
	err := c.run(e, args[1:])
	if errors.Is(err, errHelp) {
		return nil
	}
	// A usage error says which form was expected.
	var ue usageError
	if errors.As(err, &ue) && !strings.Contains(ue.msg, "\nusage:\n") {
		if s := synopsis(name); s != "" {
			return usageError{ue.msg + "\nusage:\n" + strings.TrimSuffix(s, "\n")}
		}
	}
	return err
}

// runHelp is `visaclock help [CMD [SUB]]`: the same as CMD SUB --help.
func runHelp(e cmdEnv, args []string) error {
	if len(args) == 0 || args[0] == "help" {
		fmt.Fprint(e.stdout, usage)
		return nil
	}
	return dispatch(e, commands, "visaclock", append(slices.Clip(args), "--help"))
}

func names(list []command) []string {
	var out []string
	for _, c := range list {
		out = append(out, c.name)
	}
	return out
}

// groupHelp is the usage of a command with subcommands (or of the whole
// program, for path "visaclock").
func groupHelp(path string, list []command) string {
	if path == "visaclock" {
		return usage
	}
	return fmt.Sprintf("usage:\n%s\nSubcommands: %s; give one with --help for its flags.", synopsis(path), strings.Join(names(list), ", "))
}

// synopsis is the lines of the usage text for the command path (such as
// "keys new"), with their continuation lines.
func synopsis(path string) string {
	var b strings.Builder
	in := false
	for line := range strings.Lines(usage) {
		rest, ok := strings.CutPrefix(line, "  visaclock "+path)
		switch {
		case ok && (rest == "" || rest[0] == ' ' || rest[0] == '\n'):
			in = true
		case in && strings.HasPrefix(line, "   ") && !strings.HasPrefix(line, "  visaclock"):
			// a continuation of the line before
		default:
			in = false
		}
		if in {
			b.WriteString(line)
		}
	}
	return b.String()
}
