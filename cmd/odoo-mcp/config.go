package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/internal/redact"
	"github.com/odoo-mcp/odoo-mcp/letta"
	"github.com/odoo-mcp/odoo-mcp/letta/threads"
	"github.com/odoo-mcp/odoo-mcp/oauth"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
	"github.com/odoo-mcp/odoo-mcp/tools"
)

// serveConfig is everything `odoo-mcp serve` reads from flags and environment.
type serveConfig struct {
	Listen       string
	OdooURL      string
	OdooDB       string
	OdooProtocol string
	OdooTimeout  time.Duration
	OdooContext  string

	ReadOnly     bool
	AllowModels  string
	DenyModels   string
	DenyMethods  string
	DefaultLimit int
	MaxLimit     int
	// MaxAttachmentBytes caps attachment files read or created.
	MaxAttachmentBytes int64

	AuthTTL        time.Duration
	AuthFailureTTL time.Duration
	PublicToolList bool

	Stateful     bool
	JSONResponse bool
	MaxBodyBytes int64

	GCPercent         int
	ShutdownTimeout   time.Duration
	ReadHeaderTimeout time.Duration
	ReadBodyTimeout   time.Duration

	MetricsToken string // secret

	RateLimit  float64
	RateBurst  int
	MaxStreams int

	LogLevel  string
	LogFormat string

	// Letta orchestration: on when LettaURL is set.
	LettaURL              string
	LettaAPIKey           string // secret
	LettaProject          string
	LettaMCPServerName    string
	LettaDefaultEmbedding string
	LettaTimeout          time.Duration
	LettaToolMode         string
	LettaMaxToolRounds    int
	PublicURL             string
	SigningKey            string // secret
	ThreadTokenTTL        time.Duration

	OrgMemoryFile string // organisation block text (issue 15)
	// OAuth: odoo-mcp as its own authorization server for /mcp.
	OAuth                      bool
	OAuthAccessTTL             time.Duration
	OAuthRefreshTTL            time.Duration
	OAuthAllowPrivateClientIDs bool

	Demo        bool
	DemoVersion string
	DemoLetta   bool
}

// envFlags registers flags whose defaults come from environment variables,
// so that a flag beats its variable and both beat the built-in default.
type envFlags struct {
	fs   *flag.FlagSet
	errs []error
	vars [][2]string // flag name, env var: for the usage text
}

func (f *envFlags) lookup(env string) (string, bool) {
	v, ok := os.LookupEnv(env)
	return v, ok && v != ""
}

func (f *envFlags) String(p *string, name, env, def, usage string) {
	if v, ok := f.lookup(env); ok {
		def = v
	}
	f.vars = append(f.vars, [2]string{name, env})
	f.fs.StringVar(p, name, def, usage+" (env "+env+")")
}

// URL registers a URL flag: a password in the variable's value (a
// Basic-auth proxy, http://user:pass@host) is masked in the usage text.
func (f *envFlags) URL(p *string, name, env, usage string) {
	f.String(p, name, env, "", usage)
	fl := f.fs.Lookup(name)
	fl.DefValue = redact.URL(fl.DefValue)
}

// Secret registers a flag for a secret: its environment value is never
// shown as the flag's default in the usage text.
func (f *envFlags) Secret(p *string, name, env, usage string) {
	f.vars = append(f.vars, [2]string{name, env})
	f.fs.StringVar(p, name, "", usage+" (env "+env+")")
	if v, ok := f.lookup(env); ok {
		*p = v
	}
}

func (f *envFlags) Bool(p *bool, name, env string, def bool, usage string) {
	if v, ok := f.lookup(env); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			f.errs = append(f.errs, fmt.Errorf("%s=%q is not a boolean (use true or false)", env, v))
		}
		def = b
	}
	f.fs.BoolVar(p, name, def, usage+" (env "+env+")")
}

func (f *envFlags) Int(p *int, name, env string, def int, usage string) {
	if v, ok := f.lookup(env); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			f.errs = append(f.errs, fmt.Errorf("%s=%q is not a whole number", env, v))
		}
		def = n
	}
	f.fs.IntVar(p, name, def, usage+" (env "+env+")")
}

func (f *envFlags) Float64(p *float64, name, env string, def float64, usage string) {
	if v, ok := f.lookup(env); ok {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			f.errs = append(f.errs, fmt.Errorf("%s=%q is not a number", env, v))
		}
		def = n
	}
	f.fs.Float64Var(p, name, def, usage+" (env "+env+")")
}

func (f *envFlags) Int64(p *int64, name, env string, def int64, usage string) {
	if v, ok := f.lookup(env); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			f.errs = append(f.errs, fmt.Errorf("%s=%q is not a whole number", env, v))
		}
		def = n
	}
	f.fs.Int64Var(p, name, def, usage+" (env "+env+")")
}

func (f *envFlags) Duration(p *time.Duration, name, env string, def time.Duration, usage string) {
	if v, ok := f.lookup(env); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			f.errs = append(f.errs, fmt.Errorf("%s=%q is not a duration (e.g. 30s, 2m)", env, v))
		}
		def = d
	}
	f.fs.DurationVar(p, name, def, usage+" (env "+env+")")
}

func parseServeFlags(args []string, stderr io.Writer) (*serveConfig, error) {
	c, f := newServeFlags("serve")
	f.fs.SetOutput(stderr)
	if len(f.errs) > 0 {
		return nil, errors.Join(f.errs...)
	}
	if err := f.fs.Parse(args); err != nil {
		return nil, err
	}
	if f.fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(f.fs.Args(), " "))
	}
	return c, c.validate()
}

// newServeFlags registers every flag of serve, with its environment
// variable, on a new flag set called name. stdio, config and doctor read
// the same flags (stdio and config a subset: see subsetFlags).
func newServeFlags(name string) (*serveConfig, *envFlags) {
	c := &serveConfig{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	f := &envFlags{fs: fs}
	f.String(&c.Listen, "listen", "ODOO_MCP_LISTEN", "127.0.0.1:8808", "address to listen on")
	f.URL(&c.OdooURL, "odoo-url", "ODOO_URL", "Odoo base URL, e.g. http://localhost:8069")
	f.String(&c.OdooDB, "odoo-db", "ODOO_DB", "", "Odoo database name")
	f.String(&c.OdooProtocol, "odoo-protocol", "ODOO_PROTOCOL", "auto", "Odoo API: auto, jsonrpc (16-18) or json2 (19+)")
	f.Duration(&c.OdooTimeout, "odoo-timeout", "ODOO_TIMEOUT", 30*time.Second, "timeout of each Odoo request")
	f.String(&c.OdooContext, "odoo-context", "ODOO_CONTEXT", "", `JSON object merged into every Odoo call's context, e.g. {"allowed_company_ids":[1]}`)
	f.Bool(&c.ReadOnly, "read-only", "ODOO_MCP_READ_ONLY", false, "serve only the retriever and inspector")
	f.String(&c.AllowModels, "allow-models", "ODOO_MCP_ALLOW_MODELS", "", "comma-separated model patterns tools may use (empty: all)")
	f.String(&c.DenyModels, "deny-models", "ODOO_MCP_DENY_MODELS", "", "comma-separated model patterns tools may never use")
	f.String(&c.DenyMethods, "deny-methods", "ODOO_MCP_DENY_METHODS", "", "comma-separated model.method patterns the executor refuses")
	f.Int(&c.DefaultLimit, "default-limit", "ODOO_MCP_DEFAULT_LIMIT", 100, "records the retriever returns when no limit is given")
	f.Int(&c.MaxLimit, "max-limit", "ODOO_MCP_MAX_LIMIT", 1000, "most records one retriever call may return")
	f.Int64(&c.MaxAttachmentBytes, "max-attachment-bytes", "ODOO_MCP_MAX_ATTACHMENT_BYTES", tools.DefaultMaxAttachmentBytes, "largest attachment file read as a resource or created through the creator")
	f.Duration(&c.AuthTTL, "auth-cache-ttl", "ODOO_MCP_AUTH_CACHE_TTL", time.Minute, "how long a checked credential is trusted")
	f.Duration(&c.AuthFailureTTL, "auth-failure-ttl", "ODOO_MCP_AUTH_FAILURE_TTL", 5*time.Second, "how long a refused credential is refused without asking Odoo")
	f.Bool(&c.PublicToolList, "public-tool-list", "ODOO_MCP_PUBLIC_TOOL_LIST", false, "let initialize and tools/list through without a credential (for odoo-llm's llm_letta)")
	f.Bool(&c.Stateful, "stateful", "ODOO_MCP_STATEFUL", false, "keep MCP sessions in memory (default: stateless)")
	f.Bool(&c.JSONResponse, "json-response", "ODOO_MCP_JSON_RESPONSE", false, "answer MCP POSTs with application/json instead of SSE")
	f.Int64(&c.MaxBodyBytes, "max-body-bytes", "ODOO_MCP_MAX_BODY_BYTES", 1<<20, "largest accepted request body")
	f.Duration(&c.ReadHeaderTimeout, "read-header-timeout", "ODOO_MCP_READ_HEADER_TIMEOUT", 10*time.Second, "how long a client may take to send its request headers")
	f.Duration(&c.ReadBodyTimeout, "read-body-timeout", "ODOO_MCP_READ_BODY_TIMEOUT", 30*time.Second, "how long a client may take to send its request body (responses and streams are not bounded by it)")
	f.Int(&c.GCPercent, "gc-percent", "ODOO_MCP_GC_PERCENT", 200, "Go garbage collector target (GOGC); 200 trades a few MiB under load for 1.3-1.9x the throughput of 100 here; a GOGC variable wins")
	f.Duration(&c.ShutdownTimeout, "shutdown-timeout", "ODOO_MCP_SHUTDOWN_TIMEOUT", 15*time.Second, "on SIGTERM, how long in-flight tool calls and streams may finish")
	f.Secret(&c.MetricsToken, "metrics-token", "ODOO_MCP_METRICS_TOKEN", "serve Prometheus metrics at /metrics to scrapers sending Authorization: Bearer <token> (at least 16 characters; unset: no /metrics)")
	f.Float64(&c.RateLimit, "rate-limit", "ODOO_MCP_RATE_LIMIT", 50, "requests per second per Odoo user or agent (0: no limit)")
	f.Int(&c.RateBurst, "rate-burst", "ODOO_MCP_RATE_BURST", 200, "requests a caller may send at once above the rate")
	f.Int(&c.MaxStreams, "max-streams", "ODOO_MCP_MAX_STREAMS", 4, "thread message streams one Odoo user may have open at once (0: no cap)")
	f.String(&c.LogLevel, "log-level", "ODOO_MCP_LOG_LEVEL", "info", "debug, info, warn or error")
	f.String(&c.LogFormat, "log-format", "ODOO_MCP_LOG_FORMAT", "auto", "auto (text on a terminal, JSON otherwise), text or json")
	f.URL(&c.LettaURL, "letta-url", "LETTA_BASE_URL", "Letta server URL, e.g. http://localhost:8283 or https://api.letta.com; turns on the thread API")
	f.Secret(&c.LettaAPIKey, "letta-api-key", "LETTA_API_KEY", "Letta Cloud API key, or the password of a --secure Letta server")
	f.String(&c.LettaProject, "letta-project", "LETTA_PROJECT", "", "Letta Cloud project slug (sent as X-Project)")
	f.String(&c.LettaMCPServerName, "letta-mcp-server-name", "LETTA_MCP_SERVER_NAME", threads.DefaultServerName, "name of odoo-mcp's MCP server in Letta")
	f.String(&c.LettaDefaultEmbedding, "letta-default-embedding", "LETTA_DEFAULT_EMBEDDING", "", "embedding handle of new agents (default: Letta's first)")
	f.Duration(&c.LettaTimeout, "letta-timeout", "LETTA_TIMEOUT", letta.DefaultTimeout, "timeout of each Letta request (streams excepted)")
	f.String(&c.LettaToolMode, "letta-tool-mode", "LETTA_TOOL_MODE", threads.ToolModeAuto, "how agents call the Odoo tools: client (Letta's client tools: odoo-mcp runs each call; no public URL, no signing key), mcp (Letta calls /mcp: needs --public-url and --signing-key), auto (client from Letta 0.16.2 and on Letta Cloud, else mcp)")
	f.Int(&c.LettaMaxToolRounds, "letta-max-tool-rounds", "LETTA_MAX_TOOL_ROUNDS", 10, "client mode: most pauses for tool calls one message may resolve (a looping model stops there)")
	f.URL(&c.PublicURL, "public-url", "ODOO_MCP_PUBLIC_URL", "URL at which Letta reaches this server (/mcp is appended), e.g. https://odoo-mcp.example.com")
	f.Secret(&c.SigningKey, "signing-key", "ODOO_MCP_SIGNING_KEY", "key that signs thread tokens, at least 32 characters (e.g. openssl rand -hex 32); the same on every replica")
	f.Duration(&c.ThreadTokenTTL, "thread-token-ttl", "ODOO_MCP_THREAD_TOKEN_TTL", auth.DefaultTokenTTL, "lifetime of a thread's token (reissued at half-life when the thread is used)")
	f.String(&c.OrgMemoryFile, "org-memory-file", "ODOO_MCP_ORG_MEMORY_FILE", "", "text file read at start: the organisation's read-only memory block, shared by every agent of the database")
	f.Bool(&c.OAuth, "oauth", "ODOO_MCP_OAUTH", false, "serve OAuth 2.1 for /mcp: clients sign in with an Odoo login and API key in a browser (needs --public-url and --signing-key)")
	f.Duration(&c.OAuthAccessTTL, "oauth-access-ttl", "ODOO_MCP_OAUTH_ACCESS_TTL", oauth.DefaultAccessTTL, "lifetime of an OAuth access token (at most 1h)")
	f.Duration(&c.OAuthRefreshTTL, "oauth-refresh-ttl", "ODOO_MCP_OAUTH_REFRESH_TTL", oauth.DefaultRefreshTTL, "lifetime of an OAuth refresh token (each refresh issues a new one)")
	f.Bool(&c.OAuthAllowPrivateClientIDs, "oauth-allow-private-client-ids", "ODOO_MCP_OAUTH_ALLOW_PRIVATE_CLIENT_IDS", false, "fetch OAuth client id metadata documents from private and loopback addresses too")
	f.Bool(&c.Demo, "demo", "ODOO_MCP_DEMO", false, "run an in-memory demo Odoo in this process and serve it")
	f.Bool(&c.DemoLetta, "demo-letta", "ODOO_MCP_DEMO_LETTA", false, "run the fake Letta (scripted model, in memory) in this process: the thread API and /chat with nothing else installed")
	f.String(&c.DemoVersion, "demo-version", "ODOO_MCP_DEMO_VERSION", "18.0", "Odoo version the demo plays: 18.0, 19.0 or 20.0")
	return c, f
}

func (c *serveConfig) validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		errs = append(errs, fmt.Errorf("--listen %q must be host:port", c.Listen))
	}
	if !c.Demo {
		if c.OdooURL == "" {
			errs = append(errs, errors.New("--odoo-url (ODOO_URL) is required, or use --demo"))
		} else if err := checkURL(settingOdooURL, c.OdooURL, "https://odoo.example.com"); err != nil {
			errs = append(errs, err)
		}
		if c.OdooDB == "" {
			errs = append(errs, errors.New("--odoo-db (ODOO_DB) is required, or use --demo"))
		}
	} else if c.DemoVersion != "18.0" && c.DemoVersion != "19.0" && c.DemoVersion != "20.0" {
		errs = append(errs, fmt.Errorf("--demo-version %q: use 18.0, 19.0 or 20.0", c.DemoVersion))
	}
	if _, err := odoorpc.ParseProtocol(c.OdooProtocol); err != nil {
		errs = append(errs, err)
	}
	// The public URL is checked here, with or without Letta: doctor and
	// config use it too.
	if strings.TrimSpace(c.PublicURL) != "" {
		if err := checkURL(settingPublicURL, c.PublicURL, "https://odoo-mcp.example.com"); err != nil {
			errs = append(errs, err)
		} else if _, err := threads.MCPURL(c.PublicURL); err != nil {
			errs = append(errs, fmt.Errorf("%s: %v", settingPublicURL, err))
		}
	}
	if _, err := c.odooContext(); err != nil {
		errs = append(errs, err)
	}
	if err := c.policy().Validate(); err != nil {
		errs = append(errs, err)
	}
	if c.GCPercent < 25 {
		errs = append(errs, errors.New("--gc-percent (ODOO_MCP_GC_PERCENT) must be at least 25"))
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		errs = append(errs, errors.New("--metrics-token (ODOO_MCP_METRICS_TOKEN) must be at least 16 characters"))
	}
	if c.RateLimit < 0 || c.RateBurst < 0 || c.MaxStreams < 0 {
		errs = append(errs, errors.New("--rate-limit, --rate-burst and --max-streams must not be negative"))
	}
	if c.DefaultLimit <= 0 || c.MaxLimit <= 0 {
		errs = append(errs, errors.New("--default-limit and --max-limit must be positive"))
	}
	if c.MaxAttachmentBytes <= 0 {
		errs = append(errs, errors.New("--max-attachment-bytes (ODOO_MCP_MAX_ATTACHMENT_BYTES) must be positive, e.g. 10485760 for 10 MiB"))
	}
	if c.OdooTimeout <= 0 || c.AuthTTL <= 0 || c.AuthFailureTTL <= 0 || c.ShutdownTimeout <= 0 || c.ReadHeaderTimeout <= 0 || c.ReadBodyTimeout <= 0 {
		errs = append(errs, errors.New("timeouts and cache TTLs must be positive"))
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		errs = append(errs, err)
	}
	switch c.LogFormat {
	case "auto", "text", "json":
	default:
		errs = append(errs, fmt.Errorf("--log-format %q: use auto, text or json", c.LogFormat))
	}
	if c.DemoLetta && c.lettaEnabled() {
		errs = append(errs, errors.New("--demo-letta runs a Letta of its own: leave --letta-url (LETTA_BASE_URL) unset"))
	}
	if _, err := c.orgMemory(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, c.validateOAuth()...)
	return errors.Join(append(errs, c.validateLetta()...)...)
}

// lettaEnabled: the thread API and Letta registration are on.
func (c *serveConfig) lettaEnabled() bool { return strings.TrimSpace(c.LettaURL) != "" }

func (c *serveConfig) validateLetta() []error {
	if !c.lettaEnabled() {
		return nil
	}
	var errs []error
	if err := checkURL(settingLettaURL, c.LettaURL, "http://localhost:8283"); err != nil {
		errs = append(errs, err)
	} else if _, err := letta.New(c.LettaURL, letta.Options{}); err != nil {
		errs = append(errs, fmt.Errorf("%s: %v", settingLettaURL, err))
	}
	mcpMode := c.LettaToolMode == threads.ToolModeMCP
	switch c.LettaToolMode {
	case threads.ToolModeAuto, threads.ToolModeClient, threads.ToolModeMCP:
	default:
		errs = append(errs, fmt.Errorf("--letta-tool-mode (LETTA_TOOL_MODE) %q: use auto, client or mcp", c.LettaToolMode))
	}
	if c.LettaMaxToolRounds < 1 {
		errs = append(errs, errors.New("--letta-max-tool-rounds (LETTA_MAX_TOOL_ROUNDS) must be at least 1"))
	}
	if strings.TrimSpace(c.PublicURL) == "" {
		if mcpMode {
			errs = append(errs, errors.New("--public-url (ODOO_MCP_PUBLIC_URL) is required with --letta-tool-mode mcp: the URL at which Letta reaches this server, e.g. https://odoo-mcp.example.com (or use --letta-tool-mode client with Letta 0.16.2 or later)"))
		}
	} else if _, err := threads.MCPURL(c.PublicURL); err != nil {
		errs = append(errs, fmt.Errorf("--public-url (ODOO_MCP_PUBLIC_URL): %v", err))
	}
	switch {
	case c.SigningKey == "" && !mcpMode:
		// Client mode needs no thread tokens; auto mode on an old Letta
		// says at start-up that it needs one.
	case c.SigningKey == "":
		errs = append(errs, fmt.Errorf("--signing-key (ODOO_MCP_SIGNING_KEY) is required with --letta-tool-mode mcp: at least %d characters, the same on every replica (generate one with: openssl rand -hex 32)", auth.MinSigningKeyLen))
	case len(c.SigningKey) < auth.MinSigningKeyLen:
		errs = append(errs, fmt.Errorf("--signing-key (ODOO_MCP_SIGNING_KEY) is too short: %d characters, at least %d needed (generate one with: openssl rand -hex 32)", len(c.SigningKey), auth.MinSigningKeyLen))
	}
	if !threads.ValidServerName(c.LettaMCPServerName) {
		errs = append(errs, fmt.Errorf("--letta-mcp-server-name (LETTA_MCP_SERVER_NAME) %q: use letters, digits, '_' and '-' (at most 64)", c.LettaMCPServerName))
	}
	if c.ThreadTokenTTL < time.Minute {
		errs = append(errs, errors.New("--thread-token-ttl (ODOO_MCP_THREAD_TOKEN_TTL) must be at least 1m"))
	}
	if c.LettaTimeout <= 0 {
		errs = append(errs, errors.New("--letta-timeout (LETTA_TIMEOUT) must be positive"))
	}
	return errs
}

func (c *serveConfig) validateOAuth() []error {
	if !c.OAuth {
		return nil
	}
	var errs []error
	switch {
	case strings.TrimSpace(c.PublicURL) == "" && !c.Demo:
		errs = append(errs, errors.New("--public-url (ODOO_MCP_PUBLIC_URL) is required with --oauth: the https:// URL at which clients reach this server, e.g. https://odoo-mcp.example.com (http:// only on a loopback address)"))
	case strings.TrimSpace(c.PublicURL) != "":
		if _, err := oauth.ValidatePublicURL(c.PublicURL); err != nil {
			errs = append(errs, fmt.Errorf("--public-url (ODOO_MCP_PUBLIC_URL) with --oauth: %v", err))
		}
	}
	switch {
	case c.SigningKey == "" && !c.Demo:
		errs = append(errs, fmt.Errorf("--signing-key (ODOO_MCP_SIGNING_KEY) is required with --oauth: at least %d characters, the same on every replica (generate one with: openssl rand -hex 32)", auth.MinSigningKeyLen))
	case c.SigningKey != "" && len(c.SigningKey) < auth.MinSigningKeyLen:
		if !c.lettaEnabled() { // validateLetta says it otherwise
			errs = append(errs, fmt.Errorf("--signing-key (ODOO_MCP_SIGNING_KEY) is too short: %d characters, at least %d needed (generate one with: openssl rand -hex 32)", len(c.SigningKey), auth.MinSigningKeyLen))
		}
	}
	if c.OAuthAccessTTL < time.Minute || c.OAuthAccessTTL > oauth.MaxAccessTTL {
		errs = append(errs, errors.New("--oauth-access-ttl (ODOO_MCP_OAUTH_ACCESS_TTL) must be between 1m and 1h"))
	}
	if c.OAuthRefreshTTL < c.OAuthAccessTTL {
		errs = append(errs, errors.New("--oauth-refresh-ttl (ODOO_MCP_OAUTH_REFRESH_TTL) must be at least --oauth-access-ttl"))
	}
	return errs
}

func (c *serveConfig) policy() tools.Policy {
	return tools.Policy{
		ReadOnly:     c.ReadOnly,
		AllowModels:  splitList(c.AllowModels),
		DenyModels:   splitList(c.DenyModels),
		DenyMethods:  splitList(c.DenyMethods),
		DefaultLimit: c.DefaultLimit,
		MaxLimit:     c.MaxLimit,
	}
}

func (c *serveConfig) odooContext() (map[string]any, error) {
	if strings.TrimSpace(c.OdooContext) == "" {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(c.OdooContext), &m); err != nil {
		return nil, fmt.Errorf("--odoo-context (ODOO_CONTEXT) must be a JSON object: %v", err)
	}
	return m, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// The URL settings, as error messages name them.
const (
	settingOdooURL   = "--odoo-url (ODOO_URL)"
	settingLettaURL  = "--letta-url (LETTA_BASE_URL)"
	settingPublicURL = "--public-url (ODOO_MCP_PUBLIC_URL)"
)

// checkURL checks a URL setting: an absolute http or https URL with a
// host. Its error names the setting and the fix, and shows the value
// without its password (a proxy's Basic credentials may sit in it).
func checkURL(setting, value, example string) error {
	v := strings.TrimSpace(value)
	u, err := url.Parse(v)
	var fix string
	switch {
	case err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Hostname() != "":
		return nil
	case !strings.Contains(v, "://"):
		fix = "write it with its scheme: http://" + redact.URL(v) + " (or https://)"
	case err == nil && u.Scheme != "http" && u.Scheme != "https":
		fix = fmt.Sprintf("use http:// or https:// (not %s://), e.g. %s", u.Scheme, example)
	default:
		fix = "give the scheme and host, e.g. " + example
	}
	return fmt.Errorf("%s %q is not an http(s) URL: %s", setting, redact.URL(v), fix)
}
