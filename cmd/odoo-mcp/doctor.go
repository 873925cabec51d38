package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/internal/redact"
	"github.com/odoo-mcp/odoo-mcp/letta"
	"github.com/odoo-mcp/odoo-mcp/letta/threads"
	"github.com/odoo-mcp/odoo-mcp/oauth"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

const doctorUsage = `Usage: odoo-mcp doctor [flags]

Checks the configuration serve would run with, end to end: the settings,
Odoo (reachable, its version, the protocol), the database ODOO_DB (without
a login), the credential in ODOO_LOGIN and ODOO_API_KEY if set, and with LETTA_BASE_URL: Letta (reachable, its
version, the API key), whether that Letta accepts ODOO_MCP_PUBLIC_URL, whether
the public URL answers from here, and the signing key. Each problem is
printed with its fix. Exit code 1 when a check fails, 0 otherwise.

It reads the same flags and environment as serve, and:
`

// Outcomes of a check.
const (
	checkOK   = "ok"
	checkWarn = "warn"
	checkFail = "FAIL"
	checkSkip = "skip"
)

// doctor runs the checks and prints them.
type doctor struct {
	cfg     *serveConfig
	cfgErrs []error
	cred    envCredential
	timeout time.Duration
	out     io.Writer
	// http fetches the /healthz pages; resolver looks up the public URL's
	// host as Letta would. Both are replaced in tests.
	http     *http.Client
	resolver letta.Resolver

	fails, warns int
}

// runDoctor is `odoo-mcp doctor`.
func runDoctor(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	d, code := parseDoctor(args, stdout, stderr)
	if d == nil {
		return code
	}
	return d.run(ctx)
}

// parseDoctor reads the flags and environment; a nil doctor comes with the
// exit code (0 for -h, 2 for bad usage).
func parseDoctor(args []string, stdout, stderr io.Writer) (*doctor, int) {
	cfg, all := newServeFlags("doctor")
	all.fs.SetOutput(stderr)
	timeout := all.fs.Duration("timeout", 10*time.Second, "how long each check may wait for an answer")
	all.fs.Usage = func() {
		fmt.Fprint(stderr, doctorUsage)
		all.fs.PrintDefaults()
	}
	if err := all.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, 0
		}
		return nil, 2
	}
	if all.fs.NArg() > 0 {
		fmt.Fprintf(stderr, "odoo-mcp doctor: unexpected arguments: %s\n", strings.Join(all.fs.Args(), " "))
		return nil, 2
	}
	d := &doctor{cfg: cfg, cred: credentialFromEnv(), timeout: *timeout, out: stdout,
		http: &http.Client{Timeout: *timeout}}
	d.cfgErrs = append(d.cfgErrs, all.errs...)
	if err := cfg.validate(); err != nil {
		d.cfgErrs = append(d.cfgErrs, unjoin(err)...)
	}
	return d, 0
}

// unjoin splits an errors.Join error into its errors.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, unjoin(e)...)
		}
		return out
	}
	return []error{err}
}

// run prints every check and returns the exit code.
func (d *doctor) run(ctx context.Context) int {
	fmt.Fprintf(d.out, "%s: checking the configuration serve would run with\n\n", versionString())
	d.checkConfig()
	side := d.checkOdoo(ctx)
	if side != nil && !d.checkDatabase(ctx, side.client) {
		side = nil // the credential cannot be checked in a missing database
	}
	d.checkCredential(ctx, side)
	d.checkLetta(ctx)
	d.checkServer(ctx)
	d.checkOAuth(ctx)
	fmt.Fprintln(d.out)
	switch {
	case d.fails > 0:
		fmt.Fprintf(d.out, "%d %s found.\n", d.fails, plural(d.fails, "problem", "problems"))
		return 1
	case d.warns > 0:
		fmt.Fprintf(d.out, "No problem found; %d %s.\n", d.warns, plural(d.warns, "warning", "warnings"))
	default:
		fmt.Fprintln(d.out, "No problem found.")
	}
	return 0
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// report prints one check: its outcome, name, what was found and, for a
// problem, the fix.
func (d *doctor) report(status, name, detail, fix string) {
	switch status {
	case checkFail:
		d.fails++
	case checkWarn:
		d.warns++
	}
	fmt.Fprintf(d.out, "  %-4s  %-14s %s\n", status, name, detail)
	if fix != "" {
		fmt.Fprintf(d.out, "  %-4s  %-14s fix: %s\n", "", "", fix)
	}
}

func (d *doctor) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d.timeout)
}

// checkConfig reports the settings serve would refuse. The signing key
// has a check of its own.
func (d *doctor) checkConfig() {
	n := 0
	for _, err := range d.cfgErrs {
		if strings.HasPrefix(err.Error(), "--signing-key") {
			continue
		}
		n++
		d.report(checkFail, "configuration", err.Error(), "")
	}
	if n == 0 {
		d.report(checkOK, "configuration", "the settings are well-formed", "")
	}
}

// checkOdoo checks that Odoo answers, its version and the protocol; it
// returns the Odoo side for the credential check (nil when Odoo cannot be
// used).
func (d *doctor) checkOdoo(ctx context.Context) *odooSide {
	cfg := d.cfg
	if cfg.Demo {
		d.report(checkSkip, "Odoo", "--demo: serve runs its own in-memory Odoo "+cfg.DemoVersion, "")
		return nil
	}
	if cfg.OdooURL == "" || cfg.OdooDB == "" {
		d.report(checkSkip, "Odoo", "not checked: ODOO_URL and ODOO_DB are needed", "")
		return nil
	}
	if checkURL(settingOdooURL, cfg.OdooURL, "") != nil {
		d.report(checkSkip, "Odoo", "not checked: ODOO_URL is wrong", "")
		return nil
	}
	proto, err := odoorpc.ParseProtocol(cfg.OdooProtocol)
	if err != nil {
		d.report(checkSkip, "Odoo", "not checked: ODOO_PROTOCOL is wrong", "")
		return nil
	}
	side, err := newOdooSide(cfg, odooExtras{timeout: d.timeout})
	if err != nil {
		d.report(checkFail, "Odoo", err.Error(), "set ODOO_URL to Odoo's base URL, e.g. https://odoo.example.com")
		return nil
	}
	odoo := side.client
	ctx, cancel := d.ctx(ctx)
	defer cancel()
	v, err := odoo.Version(ctx)
	switch {
	case errors.Is(err, odoorpc.ErrUnavailable):
		d.report(checkFail, "Odoo", fmt.Sprintf("cannot reach Odoo at %s: %v", odoo.URL(), err),
			"check ODOO_URL (scheme, host and port), that Odoo runs, and that this machine reaches it")
		return nil
	case err != nil:
		detail := fmt.Sprintf("%s does not answer like Odoo: %v", odoo.URL(), err)
		var notOdoo *odoorpc.NotOdooError
		if errors.As(err, &notOdoo) {
			detail = fmt.Sprintf("at %s, %v", redact.URL(odoo.URL()), err) // says what answered, on one line
		}
		d.report(checkFail, "Odoo", detail,
			"set ODOO_URL to Odoo's base URL (e.g. https://odoo.example.com): the host and port where Odoo answers, not a page under it")
		return nil
	}
	major := v.Major()
	detail := fmt.Sprintf("Odoo %s answers at %s (database %q)", v.ServerVersion, odoo.URL(), cfg.OdooDB)
	if major < 16 {
		d.report(checkWarn, "Odoo", detail, "odoo-mcp is made for Odoo 16 to 19; older versions are untested")
	} else {
		d.report(checkOK, "Odoo", detail, "")
	}

	switch {
	case proto == odoorpc.ProtocolJSON2 && major > 0 && major < 19:
		d.report(checkFail, "Odoo protocol", fmt.Sprintf("ODOO_PROTOCOL=json2, but JSON-2 exists from Odoo 19 and this is Odoo %d", major),
			"set ODOO_PROTOCOL=auto (or jsonrpc)")
	case proto == odoorpc.ProtocolAuto:
		p, _ := odoo.Protocol(ctx)
		d.report(checkOK, "Odoo protocol", fmt.Sprintf("%s (ODOO_PROTOCOL=auto, by Odoo's version)", p), "")
	case proto == odoorpc.ProtocolJSONRPC && major >= 19:
		d.report(checkOK, "Odoo protocol", "jsonrpc (ODOO_PROTOCOL=jsonrpc; auto would use json2 on this Odoo)", "")
	default:
		d.report(checkOK, "Odoo protocol", fmt.Sprintf("%s (ODOO_PROTOCOL=%s)", proto, proto), "")
	}
	return side
}

// checkDatabase checks that ODOO_DB exists, without a login (db.db_exist;
// on Odoo 20, which has no db service, /web/database/list),
// so that a wrong database shows also when no credential is set. It
// returns false when the database is missing.
func (d *doctor) checkDatabase(ctx context.Context, odoo *odoorpc.Client) bool {
	if odoo == nil {
		return true // Odoo cannot be used: said above
	}
	ctx, cancel := d.ctx(ctx)
	defer cancel()
	exists, err := odoo.DatabaseExists(ctx)
	switch {
	case err == nil && exists:
		d.report(checkOK, "database", fmt.Sprintf("%q exists on this Odoo", odoo.DB()), "")
	case err == nil:
		d.report(checkFail, "database", databaseProblem(odoo.URL(), odoo.DB()), databaseFix(ctx, odoo))
		return false
	case d.cred.Set() && errors.Is(err, odoorpc.ErrNoDBService):
		d.report(checkSkip, "database", fmt.Sprintf("Odoo 20 has no db service and this one does not list its databases (%v): the credential check tells", err), "")
	case errors.Is(err, odoorpc.ErrNoDBService):
		d.report(checkWarn, "database", fmt.Sprintf("%q not checked: Odoo 20 has no db service and this one does not list its databases (%v)", odoo.DB(), err),
			"set ODOO_LOGIN and ODOO_API_KEY to check the database with a login")
	case d.cred.Set():
		d.report(checkSkip, "database", fmt.Sprintf("Odoo does not answer db.db_exist (%v): the credential check tells", err), "")
	default:
		d.report(checkWarn, "database", fmt.Sprintf("%q not checked: Odoo does not answer db.db_exist without a login (%v)", odoo.DB(), err),
			"set ODOO_LOGIN and ODOO_API_KEY to check the database with a login")
	}
	return true
}

// checkCredential checks ODOO_LOGIN and ODOO_API_KEY, when set, as serve
// would check them in a request.
func (d *doctor) checkCredential(ctx context.Context, side *odooSide) {
	if !d.cred.Set() {
		if d.cred.Login != "" {
			d.report(checkWarn, "credential", envLogin+" is set but "+envAPIKey+" is not: nothing to check", "set "+envAPIKey+" too, to check a credential")
			return
		}
		d.report(checkSkip, "credential", "no "+envLogin+"/"+envAPIKey+" in the environment: set them to check a login (and the database)", "")
		return
	}
	if side == nil {
		d.report(checkSkip, "credential", "not checked: Odoo or its database cannot be used", "")
		return
	}
	ctx, cancel := d.ctx(ctx)
	defer cancel()
	id, err := side.authn.Authenticate(ctx, d.cred.Authorization())
	if err != nil {
		problem, fix, _ := credentialProblem(err, d.cred, side.client.URL(), d.cfg.OdooDB)
		if errors.Is(err, odoorpc.ErrDatabaseNotFound) {
			fix = databaseFix(ctx, side.client)
		}
		d.report(checkFail, "credential", problem, fix)
		return
	}
	who := fmt.Sprintf("uid %d", id.UID)
	if id.Name != "" {
		who += " (" + id.Name + ")"
	}
	d.report(checkOK, "credential", fmt.Sprintf("%s is %s in database %q", d.cred.Describe(), who, id.DB), "")
}

// checkLetta checks Letta, whether it accepts the public URL, and the
// signing key, when LETTA_BASE_URL is set.
func (d *doctor) checkLetta(ctx context.Context) {
	cfg := d.cfg
	if !cfg.lettaEnabled() {
		d.report(checkSkip, "Letta", "LETTA_BASE_URL is not set: no thread API, no registration with Letta", "")
		return
	}
	d.checkSigningKey()
	lc, err := letta.New(cfg.LettaURL, letta.Options{APIKey: cfg.LettaAPIKey, Project: cfg.LettaProject, Timeout: d.timeout})
	if err != nil {
		d.report(checkSkip, "Letta", "not checked: LETTA_BASE_URL is wrong", "")
		return
	}
	cctx, cancel := d.ctx(ctx)
	defer cancel()
	h, err := lc.Health(cctx)
	if err != nil {
		d.report(checkFail, "Letta", fmt.Sprintf("cannot reach Letta at %s: %v", lc.BaseURL(), err),
			"check LETTA_BASE_URL and that Letta runs")
		return
	}
	v, verr := letta.ParseVersion(h.Version)
	detail := fmt.Sprintf("Letta %s answers at %s", h.Version, lc.BaseURL())
	switch {
	case verr != nil:
		d.report(checkWarn, "Letta", detail, "odoo-mcp cannot read this version; it supports Letta 0.11.7 to 0.16.8 and Letta Cloud")
	case !v.AtLeast(0, 11, 7):
		d.report(checkWarn, "Letta", detail, "odoo-mcp supports Letta 0.11.7 to 0.16.8: upgrade Letta")
	default:
		d.report(checkOK, "Letta", detail, "")
	}

	// An authenticated call: the API key, and whether odoo-mcp is
	// registered already.
	servers, err := lc.ListMCPServers(cctx)
	switch {
	case letta.IsUnauthorized(err):
		fix := "set LETTA_API_KEY to a valid key (Letta Cloud: an API key of the project; a --secure Letta: its password)"
		if cfg.LettaAPIKey == "" {
			fix = "this Letta needs an API key: set LETTA_API_KEY"
		}
		d.report(checkFail, "Letta API key", "Letta refused the request (401)", fix)
	case err != nil:
		d.report(checkFail, "Letta API key", fmt.Sprintf("listing MCP servers failed: %v", err), "check LETTA_BASE_URL, LETTA_API_KEY and LETTA_PROJECT")
	default:
		d.reportRegistration(servers)
	}
	mode := cfg.LettaToolMode
	if mode == threads.ToolModeAuto {
		mode = threads.ToolModeMCP
		if verr == nil && v.HasClientTools() {
			mode = threads.ToolModeClient
		}
	}
	if mode == threads.ToolModeClient {
		d.report(checkOK, "tool mode", "client tools: odoo-mcp runs the agents' tool calls itself; Letta needs no URL of odoo-mcp", "")
		return
	}
	d.report(checkOK, "tool mode", "MCP: Letta calls odoo-mcp's tools at ODOO_MCP_PUBLIC_URL", "")
	if verr == nil {
		d.checkPublicURLForLetta(ctx, v)
	}
}

func (d *doctor) reportRegistration(servers []letta.MCPServer) {
	name := d.cfg.LettaMCPServerName
	want, _ := threads.MCPURL(d.cfg.PublicURL)
	for _, s := range servers {
		if s.Name != name {
			continue
		}
		if want != "" && s.URL != want {
			d.report(checkOK, "Letta access", fmt.Sprintf("accepted; MCP server %q is registered at %s, serve will change it to %s", name, s.URL, want), "")
			return
		}
		d.report(checkOK, "Letta access", fmt.Sprintf("accepted; MCP server %q is registered at %s", name, s.URL), "")
		return
	}
	d.report(checkOK, "Letta access", fmt.Sprintf("accepted; MCP server %q is not registered yet (serve registers it at start)", name), "")
}

// checkPublicURLForLetta: Letta 0.16.7 and later refuse MCP servers at
// private addresses, also names that resolve to one.
func (d *doctor) checkPublicURLForLetta(ctx context.Context, v letta.Version) {
	mcpURL, err := threads.MCPURL(d.cfg.PublicURL)
	if err != nil {
		return // reported with the configuration
	}
	reason, err := letta.MCPURLBlockReason(mcpURL)
	if err != nil {
		return
	}
	if reason == "" {
		cctx, cancel := d.ctx(ctx)
		reason, err = letta.MCPURLBlockReasonResolved(cctx, mcpURL, d.resolver)
		cancel()
	}
	fix := "give odoo-mcp a public host name (a reverse proxy with TLS, or a tunnel such as Cloudflare Tunnel or ngrok) and set ODOO_MCP_PUBLIC_URL to it, or run Letta 0.16.6 or older on a private network"
	switch {
	case v.BlocksPrivateMCPURLs() && reason != "":
		d.report(checkFail, "Letta MCP URL", fmt.Sprintf("Letta %s will refuse %s: %s (Letta 0.16.7 and later refuse private addresses)", v, mcpURL, reason), fix)
	case v.BlocksPrivateMCPURLs() && err != nil:
		d.report(checkWarn, "Letta MCP URL", fmt.Sprintf("cannot resolve the host of %s from here (%v); Letta must resolve it to a public address", mcpURL, err), "check the DNS name in ODOO_MCP_PUBLIC_URL")
	case reason != "":
		d.report(checkOK, "Letta MCP URL", fmt.Sprintf("Letta %s accepts %s, a private address (%s); Letta 0.16.7 and later would refuse it", v, mcpURL, reason), "")
	default:
		d.report(checkOK, "Letta MCP URL", fmt.Sprintf("Letta %s accepts %s", v, mcpURL), "")
	}
}

// checkSigningKey checks the thread-token signing key (never shown).
func (d *doctor) checkSigningKey() {
	key := d.cfg.SigningKey
	gen := "generate one with: openssl rand -hex 32, and give the same one to every replica in ODOO_MCP_SIGNING_KEY"
	switch {
	case key == "" && d.cfg.LettaToolMode != threads.ToolModeMCP:
		d.report(checkSkip, "signing key", "ODOO_MCP_SIGNING_KEY is not set: needed only in MCP mode (Letta before 0.16.2, or --letta-tool-mode mcp)", "")
	case key == "":
		d.report(checkFail, "signing key", "ODOO_MCP_SIGNING_KEY is not set (needed with --letta-tool-mode mcp)", gen)
	case len(key) < auth.MinSigningKeyLen:
		d.report(checkFail, "signing key", fmt.Sprintf("ODOO_MCP_SIGNING_KEY has %d characters, at least %d needed", len(key), auth.MinSigningKeyLen), gen)
	case distinct(key) < 8:
		d.report(checkWarn, "signing key", fmt.Sprintf("ODOO_MCP_SIGNING_KEY has %d characters but only %d different ones: easy to guess", len(key), distinct(key)), gen)
	default:
		d.report(checkOK, "signing key", fmt.Sprintf("%d characters", len(key)), "")
	}
}

func distinct(s string) int {
	seen := map[rune]bool{}
	for _, r := range s {
		seen[r] = true
	}
	return len(seen)
}

// checkServer asks the public URL, and the listen address, for /healthz:
// whether what Letta (or a client) is given reaches this odoo-mcp. It can
// only be checked from here, while serve runs.
func (d *doctor) checkServer(ctx context.Context) {
	local := "http://" + loopbackListen(d.cfg.Listen) + "/healthz"
	localErr := d.healthz(ctx, local)
	if strings.TrimSpace(d.cfg.PublicURL) == "" {
		if localErr == nil {
			d.report(checkOK, "server", "odoo-mcp answers at "+local, "")
		} else {
			d.report(checkSkip, "server", "no odoo-mcp answers at "+local+" (serve is not running here): not checked", "")
		}
		return
	}
	mcpURL, err := threads.MCPURL(d.cfg.PublicURL)
	if err != nil {
		return // reported with the configuration
	}
	public := strings.TrimSuffix(mcpURL, "/mcp") + "/healthz"
	err = d.healthz(ctx, public)
	switch {
	case err == nil:
		d.report(checkOK, "public URL", public+" answers from here (Letta must reach it from where it runs)", "")
	case localErr == nil:
		d.report(checkFail, "public URL", fmt.Sprintf("%s: %v, but odoo-mcp answers at %s", public, err, local),
			"make ODOO_MCP_PUBLIC_URL lead to this odoo-mcp: check the DNS name, the reverse proxy or tunnel, and the firewall")
	default:
		d.report(checkWarn, "public URL", fmt.Sprintf("%s: %v; no odoo-mcp answers at %s either", public, err, local),
			"start odoo-mcp serve and run doctor again to check that the public URL reaches it")
	}
}

// checkOAuth, with --oauth: whether the public URL serves this server's
// protected resource metadata from here, the first thing an OAuth client
// fetches (a proxy that forwards /mcp but not /.well-known/ breaks
// sign-in).
func (d *doctor) checkOAuth(ctx context.Context) {
	if !d.cfg.OAuth {
		return
	}
	u, err := oauth.ValidatePublicURL(d.cfg.PublicURL)
	if err != nil {
		return // reported with the configuration
	}
	target, resource := u.String()+oauth.PathProtectedResourceMCP, u.String()+"/mcp"
	fix := "forward /.well-known/ and /oauth/ to odoo-mcp as well as /mcp, and set ODOO_MCP_PUBLIC_URL to the URL clients use"
	ctx, cancel := d.ctx(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return
	}
	resp, err := d.http.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		d.report(checkWarn, "OAuth", fmt.Sprintf("%s: %v", target, err), "start odoo-mcp serve --oauth and run doctor again; if it runs, "+fix)
		return
	}
	defer resp.Body.Close()
	var meta struct {
		Resource string `json:"resource"`
	}
	switch {
	case resp.StatusCode != http.StatusOK:
		d.report(checkFail, "OAuth", fmt.Sprintf("%s answered %s: OAuth clients cannot find how to sign in", target, resp.Status), fix)
	case json.NewDecoder(io.LimitReader(resp.Body, 16<<10)).Decode(&meta) != nil || meta.Resource != resource:
		d.report(checkFail, "OAuth", fmt.Sprintf("%s does not describe %s (resource %q)", target, resource, meta.Resource), fix)
	default:
		d.report(checkOK, "OAuth", target+" answers from here: clients can sign in", "")
	}
}

// healthz fetches target and checks that odoo-mcp's health answer comes back.
func (d *doctor) healthz(ctx context.Context, target string) error {
	ctx, cancel := d.ctx(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	resp, err := d.http.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			return uerr.Err
		}
		return err
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("answered %s", resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&body); err != nil || body.Status != "ok" {
		return errors.New("answered 200 but not as odoo-mcp does")
	}
	return nil
}

// loopbackListen reads a listen address as an address to connect to.
func loopbackListen(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "127.0.0.1:8808"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
