// Command odoo-mcp serves Odoo's data to AI agents over the Model Context
// Protocol and orchestrates Letta agents per chat thread.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// Stamped at build time: -ldflags "-X main.version=... -X main.commit=...".
var (
	version = "dev"
	commit  = ""
)

const usage = `odoo-mcp: the Odoo tools for AI agents, over MCP.

Usage:
  odoo-mcp serve [flags]     serve MCP at /mcp (see: odoo-mcp serve -h)
  odoo-mcp serve --demo      serve an in-memory demo Odoo, no setup needed
  odoo-mcp stdio [flags]     serve the tools over standard input/output (desktop clients)
  odoo-mcp config CLIENT     print a configuration for claude-desktop, cursor, letta or inspector
  odoo-mcp doctor [flags]    check the configuration end to end, with fixes
  odoo-mcp chat --thread ID [message]
                             talk to a chat thread (Letta) from the terminal
  odoo-mcp healthcheck       exit 0 when the local server answers /healthz
  odoo-mcp version           print the version
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: it returns the exit code (2 for bad
// usage or configuration).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		cfg, err := parseServeFlags(args[1:], stderr)
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if err != nil {
			fmt.Fprintf(stderr, "odoo-mcp: bad configuration:\n%v\n", err)
			return 2
		}
		if err := serve(ctx, cfg, stdout, stderr); err != nil {
			fmt.Fprintf(stderr, "odoo-mcp: %v\n", err)
			return 1
		}
		return 0
	case "healthcheck":
		return healthcheck(ctx, args[1:], stdout, stderr)
	case "stdio":
		return runStdio(ctx, args[1:], os.Stdin, stdout, stderr)
	case "config":
		return runConfig(args[1:], stdout, stderr)
	case "doctor":
		return runDoctor(ctx, args[1:], stdout, stderr)
	case "chat":
		return runChat(ctx, args[1:], os.Stdin, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, versionString())
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "odoo-mcp: unknown command %q\n\n%s", args[0], usage)
	return 2
}

func versionString() string {
	c := commit
	if c == "" {
		if info, ok := debug.ReadBuildInfo(); ok {
			for _, s := range info.Settings {
				if s.Key == "vcs.revision" {
					c = s.Value
				}
			}
		}
	}
	if len(c) > 12 {
		c = c[:12]
	}
	if c == "" {
		return "odoo-mcp " + version
	}
	return "odoo-mcp " + version + " (" + c + ")"
}
