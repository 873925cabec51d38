package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// usageFlag is a flag as a command's -h lists it.
type usageFlag struct {
	name, env, def string
}

var (
	usageFlagLine = regexp.MustCompile(`^  -([a-z0-9-]+)`)
	usageEnv      = regexp.MustCompile(`\(env ([A-Z0-9_]+)\)`)
	usageDefault  = regexp.MustCompile(`\(default "?([^")]*)"?\)$`)
)

// helpFlags runs `odoo-mcp <command> -h` and reads the flags it lists.
func helpFlags(t *testing.T, command string) []usageFlag {
	t.Helper()
	var out, errb bytes.Buffer
	run(context.Background(), []string{command, "-h"}, &out, &errb)
	var flags []usageFlag
	for _, line := range strings.Split(errb.String(), "\n") {
		if m := usageFlagLine.FindStringSubmatch(line); m != nil {
			flags = append(flags, usageFlag{name: m[1]})
			continue
		}
		if len(flags) > 0 && strings.HasPrefix(line, "    \t") {
			f := &flags[len(flags)-1]
			if m := usageEnv.FindStringSubmatch(line); m != nil {
				f.env = m[1]
			}
			if m := usageDefault.FindStringSubmatch(line); m != nil {
				f.def = m[1]
			}
		}
	}
	if len(flags) == 0 {
		t.Fatalf("%s -h lists no flag:\n%s", command, errb.String())
	}
	return flags
}

// readmeRows are the README's table rows, as cells.
func readmeRows(t *testing.T) [][]string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "|") {
			continue
		}
		line = strings.ReplaceAll(line, `\|`, "\x00")
		var cells []string
		for _, c := range strings.Split(strings.Trim(line, "|"), "|") {
			cells = append(cells, strings.TrimSpace(strings.ReplaceAll(c, "\x00", "|")))
		}
		rows = append(rows, cells)
	}
	return rows
}

// sameDefault compares a flag's default with the README's (its first
// code span), durations by value.
func sameDefault(flagDef, cell string) bool {
	if i := strings.Index(cell, "`"); i >= 0 {
		if j := strings.Index(cell[i+1:], "`"); j >= 0 {
			cell = cell[i+1 : i+1+j]
		}
	}
	if a, err := time.ParseDuration(flagDef); err == nil {
		b, err := time.ParseDuration(cell)
		return err == nil && a == b
	}
	return flagDef == cell
}

// TestConfigREADMEListsEveryFlag: every flag of every command is in a
// README configuration table, with its environment variable and default.
func TestConfigREADMEListsEveryFlag(t *testing.T) {
	clearEnv(t)
	rows := readmeRows(t)
	// serve prints its usage to the process's stderr: read its flag set.
	var serve []usageFlag
	_, f := newServeFlags("serve")
	f.fs.VisitAll(func(fl *flag.Flag) {
		def := fl.DefValue
		if def == "false" || def == "0" {
			def = ""
		}
		serve = append(serve, usageFlag{name: fl.Name, env: flagEnv(fl), def: def})
	})
	commands := map[string][]usageFlag{"serve": serve}
	for _, c := range []string{"stdio", "config", "doctor", "chat", "healthcheck"} {
		commands[c] = helpFlags(t, c)
	}
	for command, flags := range commands {
		for _, fl := range flags {
			found := false
			for _, row := range rows {
				for i, cell := range row {
					if cell != "`--"+fl.name+"`" || i+2 >= len(row) {
						continue
					}
					// The serve tables have the flag first; the other
					// commands' table names the commands first.
					if i > 0 && !slices.Contains(strings.Split(row[0], ", "), command) ||
						i == 0 && !slices.Contains([]string{"serve", "stdio", "config", "doctor"}, command) {
						continue
					}
					found = true
					wantEnv := "—"
					if fl.env != "" {
						wantEnv = "`" + fl.env + "`"
					}
					if row[i+1] != wantEnv {
						t.Errorf("%s --%s: the README says environment %s, the flag %s", command, fl.name, row[i+1], wantEnv)
					}
					if fl.def != "" && !sameDefault(fl.def, row[i+2]) {
						t.Errorf("%s --%s: the README says default %s, the flag %q", command, fl.name, row[i+2], fl.def)
					}
				}
			}
			if !found {
				t.Errorf("%s --%s (%s) is in no README table", command, fl.name, fl.env)
			}
		}
	}
	for _, env := range []string{envLogin, envAPIKey} {
		found := false
		for _, row := range rows {
			for _, cell := range row {
				found = found || cell == "`"+env+"`"
			}
		}
		if !found {
			t.Errorf("%s is in no README table", env)
		}
	}
}
