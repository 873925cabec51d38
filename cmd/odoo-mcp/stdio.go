package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/internal/redact"
	"github.com/odoo-mcp/odoo-mcp/mcp"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

// stdioFlags are the flags of serve that stdio reads: where Odoo is, what
// the tools may do, the credential cache, logging and the demo.
var stdioFlags = []string{
	"odoo-url", "odoo-db", "odoo-protocol", "odoo-timeout", "odoo-context",
	"read-only", "allow-models", "deny-models", "deny-methods", "default-limit", "max-limit",
	"max-attachment-bytes",
	"auth-cache-ttl", "auth-failure-ttl", "log-level", "log-format", "demo", "demo-version",
}

// subsetFlags exposes the named flags of all (with their values and
// environment variables) on a new flag set called name.
func subsetFlags(name string, all *flag.FlagSet, names []string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	for _, n := range names {
		fl := all.Lookup(n)
		if fl == nil {
			panic("odoo-mcp: no serve flag " + n)
		}
		fs.Var(fl.Value, fl.Name, fl.Usage)
		// Var takes the current value as the default shown by -h; keep the
		// registered one, which URL flags have masked.
		fs.Lookup(n).DefValue = fl.DefValue
	}
	return fs
}

// parseStdioFlags reads stdio's flags and environment.
func parseStdioFlags(args []string, stderr io.Writer) (*serveConfig, error) {
	c, all := newServeFlags("serve")
	fs := subsetFlags("stdio", all.fs, stdioFlags)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: odoo-mcp stdio [flags]

Serves the Odoo tools over standard input and output, for a desktop MCP
client (Claude Desktop, Cursor, ...) that starts odoo-mcp itself. Every tool
runs as the Odoo user of ODOO_LOGIN and ODOO_API_KEY (environment only;
on Odoo 19+ ODOO_API_KEY alone works). Logs go to standard error.

Flags:
`)
		fs.PrintDefaults()
	}
	if len(all.errs) > 0 {
		return nil, errors.Join(all.errs...)
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	// Check what stdio uses with serve's rules; it neither listens nor
	// talks to Letta.
	v := *c
	v.Listen, v.LettaURL, v.PublicURL = "127.0.0.1:0", "", ""
	return c, v.validate()
}

// runStdio is `odoo-mcp stdio`: exit code 2 for bad configuration (a
// missing credential included), 1 when Odoo cannot be reached or refuses
// the credential at start, 0 when the client closes the connection.
func runStdio(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cfg, err := parseStdioFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "odoo-mcp stdio: bad configuration:\n%v\n", err)
		return 2
	}
	cred := credentialFromEnv()
	log := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)

	if cfg.Demo {
		d, err := startDemoOdoo(cfg.DemoVersion)
		if err != nil {
			fmt.Fprintf(stderr, "odoo-mcp stdio: %v\n", err)
			return 1
		}
		defer d.Close()
		cfg.OdooURL, cfg.OdooDB = d.URL, d.DB
		if !cred.Set() {
			cred = envCredential{Login: fakeodoo.AdminLogin, Key: fakeodoo.AdminKey}
		}
	}
	if !cred.Set() {
		fmt.Fprintf(stderr, "odoo-mcp stdio: bad configuration:\n%v\n", errMissingCredential)
		return 2
	}

	odooCtx, _ := cfg.odooContext()
	side, err := newOdooSide(cfg, odooExtras{})
	if err != nil {
		fmt.Fprintf(stderr, "odoo-mcp stdio: bad configuration:\n%v\n", err)
		return 2
	}
	odoo, authn := side.client, side.authn

	// The credential is checked once now, so that a mistake shows at once
	// (desktop clients show a server's standard error) rather than at the
	// first tool call.
	checkCtx, cancel := context.WithTimeout(ctx, cfg.OdooTimeout)
	id, err := authn.Authenticate(checkCtx, cred.Authorization())
	cancel()
	if err != nil {
		problem, fix, config := credentialProblem(err, cred, odoo.URL(), cfg.OdooDB)
		if errors.Is(err, odoorpc.ErrDatabaseNotFound) {
			listCtx, cancel := context.WithTimeout(ctx, cfg.OdooTimeout)
			fix = databaseFix(listCtx, odoo)
			cancel()
		}
		fmt.Fprintf(stderr, "odoo-mcp stdio: %s\n  fix: %s\n", problem, fix)
		if config {
			return 2
		}
		return 1
	}
	proto, _ := odoo.Protocol(ctx)
	log.Info("odoo-mcp serving over stdio", "odoo", redact.URL(cfg.OdooURL), "db", cfg.OdooDB, "protocol", string(proto),
		"uid", id.UID, "login", id.Login, "read_only", cfg.ReadOnly, "version", version)

	endpoint := mcp.New(mcp.Config{
		Odoo: odoo, Auth: authn, Policy: cfg.policy(), Context: odooCtx, Version: version, Logger: log,
		MaxAttachmentBytes: cfg.MaxAttachmentBytes,
	})
	err = endpoint.ServeStdio(ctx, stdioTransport(stdin, stdout, cfg.OdooTimeout), cred.Authorization())
	switch {
	case err == nil, errors.Is(err, io.EOF), ctx.Err() != nil:
		log.Info("stdio client gone; stopping")
		return 0
	}
	fmt.Fprintf(stderr, "odoo-mcp stdio: %v\n", err)
	return 1
}

// stdioTransport is newline-delimited JSON over the process's standard
// input and output (other streams in tests) that answers every request
// read before it reports the end of input. A tool call makes a few Odoo
// requests, each bounded by odooTimeout: the last answers get three times
// that to come.
func stdioTransport(stdin io.Reader, stdout io.Writer, odooTimeout time.Duration) gomcp.Transport {
	var closeIn func() error
	if stdin == os.Stdin {
		closeIn = os.Stdin.Close // as the SDK's StdioTransport does
	}
	return drainTransport(stdin, closeIn, stdout, 3*odooTimeout)
}
