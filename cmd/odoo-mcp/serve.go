package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/chatui"
	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/httpapp"
	"github.com/odoo-mcp/odoo-mcp/internal/redact"
	"github.com/odoo-mcp/odoo-mcp/letta"
	"github.com/odoo-mcp/odoo-mcp/letta/threads"
	"github.com/odoo-mcp/odoo-mcp/limits"
	"github.com/odoo-mcp/odoo-mcp/mcp"
	"github.com/odoo-mcp/odoo-mcp/metrics"
	"github.com/odoo-mcp/odoo-mcp/oauth"
	"github.com/odoo-mcp/odoo-mcp/tools"
)

// serve wires the configuration into the server and runs it until ctx ends.
func serve(ctx context.Context, cfg *serveConfig, stdout, stderr io.Writer) error {
	log := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	// The go-sdk allocates ~300 KB per request: with the default GOGC the
	// collector runs hundreds of times a second under load. An operator's
	// GOGC still wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(cfg.GCPercent)
	}

	var demo *demoOdoo
	if cfg.Demo {
		d, err := startDemoOdoo(cfg.DemoVersion)
		if err != nil {
			return err
		}
		defer d.Close()
		demo = d
		cfg.OdooURL, cfg.OdooDB = d.URL, d.DB
	}

	var demoL *demoLetta
	if cfg.DemoLetta {
		d, err := startDemoLetta(cfg)
		if err != nil {
			return err
		}
		defer d.Close()
		demoL = d
	}

	odooCtx, _ := cfg.odooContext()
	m := metrics.New()
	var tokens *auth.Tokens
	if cfg.lettaEnabled() && cfg.SigningKey != "" && cfg.LettaToolMode != threads.ToolModeClient {
		var err error
		if tokens, err = auth.NewTokens(cfg.SigningKey, cfg.OdooDB, cfg.ThreadTokenTTL, nil); err != nil {
			return fmt.Errorf("thread tokens: %w", err)
		}
	}
	side, err := newOdooSide(cfg, odooExtras{metrics: m, tokens: tokens})
	if err != nil {
		return err
	}
	odoo, authn := side.client, side.authn
	rateLimit := limits.NewRate(cfg.RateLimit, cfg.RateBurst).CountEvictions(m.CacheEvicted(metrics.CacheRateLimit))
	// OAuth (issue 13): newOAuth and mcpAuth (oauth.go); its routes are
	// public routes of the application.
	authz, err := newOAuth(cfg, odoo.DB(), authn, log)
	if err != nil {
		return err
	}
	endpoint := mcp.New(mcp.Config{
		Odoo: odoo, Policy: cfg.policy(), Context: odooCtx,
		Stateful: cfg.Stateful, JSONResponse: cfg.JSONResponse,
		MaxBodyBytes: cfg.MaxBodyBytes, Version: version, Logger: log, Metrics: m,
		MaxAttachmentBytes: cfg.MaxAttachmentBytes,
		OnFieldsEvict:      m.CacheEvicted(metrics.CacheFields),
	})
	appCfg := httpapp.Config{
		MCP: endpoint.Handler(), Auth: authn, Rate: rateLimit,
		MCPAuth: mcpAuth(authz, authn), ResourceMetadataURL: resourceMetadataURL(authz),
		APIAuth: apiAuth(authz, authn), APIResourceMetadataURL: apiResourceMetadataURL(authz),
		ReadOnlyRefuses: endpoint.ReadOnlyRefuses,
		PublicToolList:  cfg.PublicToolList, MaxBodyBytes: cfg.MaxBodyBytes,
		Logger: log, Metrics: m,
		BodyReadTimeout: cfg.ReadBodyTimeout,
		OnIdle:          []func(){odoo.CloseIdleConnections},
		Ready: func(ctx context.Context) error {
			_, err := odoo.Version(ctx)
			return auth.Unavailable(err)
		},
	}
	if authz != nil {
		appCfg.Public = append(appCfg.Public, httpapp.Mount{Paths: oauth.Paths(), Handler: authz})
	}
	if cfg.MetricsToken != "" {
		if appCfg.MetricsHandler, err = m.Handler(cfg.MetricsToken); err != nil {
			return err
		}
	}
	if cfg.lettaEnabled() {
		orch, err := newOrchestrator(cfg, tokens, endpoint.InProcess(), m, log)
		if err != nil {
			return err
		}
		if tokens != nil {
			tokens.SetRevocations(orch)
		}
		appCfg.Threads = orch
		// The page to chat in, and the operator's usage view (its own
		// token): routes without Odoo credentials.
		appCfg.Public = append(appCfg.Public,
			httpapp.Mount{Paths: []string{"/chat", "/chat/{$}", "/chat/{file}"}, Handler: chatui.Handler()},
			httpapp.Mount{Paths: []string{"/api/v1/admin/usage"}, Handler: orch.AdminUsageHandler()})
		// Letta may be down at start: /mcp serves meanwhile, the tool mode
		// is chosen (and logged) and registration done in the background,
		// with retries; thread requests try once more themselves.
		go orch.RunRegistration(ctx)
		log.Info("Letta orchestration on", "letta", orch.LettaURL(), "mcp_server", orch.ServerName(), "mcp_url", orch.MCPURL())
	}
	app := httpapp.New(appCfg)

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	if demoL != nil {
		demoL.SetTarget(ln.Addr().String())
	}
	srv := &http.Server{
		Handler:           app,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	base := "http://" + reachableAddr(ln.Addr())
	log.Info("odoo-mcp serving", "mcp", base+"/mcp", "odoo", redact.URL(cfg.OdooURL), "db", cfg.OdooDB,
		"protocol", cfg.OdooProtocol, "read_only", cfg.ReadOnly, "version", version)
	if demo != nil {
		printDemo(stdout, base, demo, appCfg.Threads != nil)
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		// In-flight work past the deadline is cut: a stop that was asked for
		// is still a clean stop.
		log.Warn("requests still running at the shutdown deadline were closed", "deadline", cfg.ShutdownTimeout)
		srv.Close()
	}
	log.Info("stopped")
	return nil
}

// reachableAddr is the listen address as a client on this machine can
// use it: listening on all addresses (0.0.0.0, [::]), that is 127.0.0.1.
func reachableAddr(a net.Addr) string {
	if tcp, ok := a.(*net.TCPAddr); ok && (tcp.IP == nil || tcp.IP.IsUnspecified()) {
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(tcp.Port))
	}
	return a.String()
}

// newOrchestrator builds the Letta client and the thread orchestrator.
func newOrchestrator(cfg *serveConfig, tokens *auth.Tokens, runner threads.ToolRunner, m *metrics.Metrics, log *slog.Logger) (*threads.Orchestrator, error) {
	letta.ClientVersion = version
	lc, err := letta.New(cfg.LettaURL, letta.Options{
		APIKey: cfg.LettaAPIKey, Project: cfg.LettaProject, Timeout: cfg.LettaTimeout, Observe: m.LettaRequest,
	})
	if err != nil {
		return nil, err
	}
	org, err := cfg.orgMemory()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, t := range tools.Enabled(cfg.policy()) {
		names = append(names, t.Def.Name)
	}
	return threads.New(threads.Options{
		Letta: lc, Tokens: tokens, ToolMode: cfg.LettaToolMode, Runner: runner, MaxToolRounds: cfg.LettaMaxToolRounds,
		ServerName: cfg.LettaMCPServerName, PublicURL: cfg.PublicURL, Tools: names,
		DefaultEmbedding: cfg.LettaDefaultEmbedding, MaxBodyBytes: cfg.MaxBodyBytes, OrgMemory: org, AdminToken: cfg.MetricsToken,
		Streams: limits.NewStreams(cfg.MaxStreams), Metrics: m, Logger: log,
	})
}

// demoOdoo is the in-memory Odoo of --demo, served on a loopback port so
// that odoo-mcp talks to it over real HTTP, exactly as to a real Odoo.
type demoOdoo struct {
	URL, DB, Version string
	srv              *http.Server
}

func startDemoOdoo(version string) (*demoOdoo, error) {
	fake := fakeodoo.New(fakeodoo.Options{Version: version, DB: "demo"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start the demo Odoo: %w", err)
	}
	srv := &http.Server{Handler: fake, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return &demoOdoo{URL: "http://" + ln.Addr().String(), DB: fake.DB(), Version: version, srv: srv}, nil
}

func (d *demoOdoo) Close() { d.srv.Close() }

// printDemo tells how to use the demo: the MCP endpoint and credentials,
// an Inspector command, and (with Letta) the chat page and how to sign in.
func printDemo(w io.Writer, base string, d *demoOdoo, chat bool) {
	basic := func(login, key string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(login+":"+key))
	}
	fmt.Fprintf(w, `
odoo-mcp is serving a demo Odoo %s (in memory, database %q).

  MCP endpoint:  %s/mcp
  admin:         Authorization: %s
  demo user:     Authorization: %s
`, d.Version, d.DB, base, basic(fakeodoo.AdminLogin, fakeodoo.AdminKey), basic(fakeodoo.DemoLogin, fakeodoo.DemoKey))
	if d.Version >= "19" {
		fmt.Fprintf(w, "  admin (19+):   Authorization: Bearer %s\n", fakeodoo.AdminKey)
	}
	if chat {
		fmt.Fprintf(w, `
Chat in a browser:  %s/chat
  sign in as %q with the API key %s
`, base, fakeodoo.AdminLogin, fakeodoo.AdminKey)
	}
	fmt.Fprintf(w, `
Try it with MCP Inspector (Node 22):
  npx @modelcontextprotocol/inspector@2.12.0 --cli %s/mcp --transport http \
    --header "Authorization: %s" \
    --method tools/call --tool-name odoo_record_retriever \
    --tool-args-json '{"model":"res.partner","domain":[["is_company","=",true]],"limit":3}'

Press Ctrl-C to stop.
`, base, basic(fakeodoo.AdminLogin, fakeodoo.AdminKey))
}
