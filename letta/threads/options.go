package threads

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/odoo-mcp/odoo-mcp/auth"
	urlredact "github.com/odoo-mcp/odoo-mcp/internal/redact"
	"github.com/odoo-mcp/odoo-mcp/letta"
	"github.com/odoo-mcp/odoo-mcp/limits"
)

// Defaults.
const (
	DefaultServerName = "odoo-mcp"
	// TokenVar is the agent variable holding its thread token; the MCP
	// server's header template reads it at tool calls.
	TokenVar = "ODOO_MCP_TOKEN"
	// DefaultPersona and the human block follow odoo-llm's llm_letta.
	DefaultPersona = "I am a helpful AI assistant."

	defaultRevocationTTL = 5 * time.Second
	defaultModelCacheTTL = time.Minute
	defaultKeepAlive     = 15 * time.Second
	defaultMaxBody       = 1 << 20
	defaultRetryMin      = time.Second
	defaultRetryMax      = time.Minute
	defaultRecheck       = 10 * time.Minute
	defaultMaxToolRounds = 10
)

// Options configure an Orchestrator.
type Options struct {
	Letta  *letta.Client
	Tokens *auth.Tokens
	// ServerName is the MCP server's name in Letta (default "odoo-mcp").
	// Letta finds a tool's server by the "mcp:<name>" tag, so it must not
	// contain ':'.
	ServerName string
	// PublicURL is where Letta reaches odoo-mcp; "/mcp" is appended (a URL
	// already ending in /mcp is kept).
	PublicURL string
	// Tools are the tool names threads may use (tools.Enabled).
	Tools []string
	// DefaultEmbedding is the embedding handle of new agents when a
	// declaration names none (empty: Letta's first).
	DefaultEmbedding string
	// RevocationCacheTTL bounds how long CurrentTokenID answers from memory
	// (default and maximum 5 s: with the authenticator's own 5 s, a deleted
	// thread's token dies within 10 s on every replica).
	RevocationCacheTTL time.Duration
	// ModelCacheTTL is how long Letta's model lists are reused to validate
	// declarations (default 1 minute; an unknown handle refreshes first).
	ModelCacheTTL time.Duration
	// KeepAlive is the interval of SSE comments sent while Letta is silent,
	// so proxies keep the stream open (default 15 s).
	KeepAlive time.Duration
	// MaxBodyBytes bounds request bodies of the thread API (default 1 MiB).
	MaxBodyBytes int64
	// RetryMin and RetryMax bound the back-off of the background
	// registration (defaults 1 s and 1 min).
	RetryMin, RetryMax time.Duration
	// Recheck is how often the background registration makes sure again
	// that Letta still holds odoo-mcp's MCP server as registered (someone may
	// delete or edit it in Letta; every thread's tool calls would then fail).
	// Default 10 minutes; negative: never.
	Recheck time.Duration
	// Streams caps the message streams one user may have open at once
	// (nil: no limit). Credentials and request rates are the HTTP
	// application's.
	Streams *limits.Streams
	// OrgMemory is the organisation's text (--org-memory-file): with it,
	// every agent holds a read-only "organization" block, one per database.
	OrgMemory string
	// AdminToken guards the operator's usage view (/api/v1/admin/usage),
	// sent as "Authorization: Bearer <token>" (the metrics token; empty:
	// the route answers 404).
	AdminToken string
	// Metrics, when set, counts thread operations and open streams.
	Metrics Metrics
	Logger  *slog.Logger

	// ToolMode is how agents call odoo-mcp's tools: ToolModeClient (Letta's
	// client tools: odoo-mcp runs each call itself, in the request that
	// sent the message), ToolModeMCP (Letta calls /mcp with a thread
	// token), or ToolModeAuto (the default: client where Letta supports
	// them, 0.16.2 and later and Letta Cloud, else MCP; decided once from
	// Letta's version). Client mode needs Runner; MCP mode needs Tokens and
	// PublicURL.
	ToolMode string
	// Runner runs a tool call in client mode as the thread's Odoo user.
	Runner ToolRunner
	// MaxToolRounds bounds the pauses for client tools one message may
	// resolve (default 10): a model that loops cannot run for ever.
	MaxToolRounds int
}

// Tool modes (Options.ToolMode).
const (
	ToolModeAuto   = "auto"
	ToolModeClient = "client"
	ToolModeMCP    = "mcp"
)

// ToolRunner runs one of odoo-mcp's tools in-process as id's Odoo user
// (mcp.InProcess). It returns the result's text and whether it is an error
// result, with the texts an MCP caller gets; err only when the call could
// not be made at all (unknown tool, canceled).
type ToolRunner interface {
	RunTool(ctx context.Context, id *auth.Identity, thread, name string, args json.RawMessage) (string, bool, error)
}

// Metrics is what the thread API reports (metrics.Metrics implements it).
type Metrics interface {
	ThreadOperation(op string, status int)
	StreamOpened()
	StreamClosed()
}

var serverNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ValidServerName reports whether name can name the MCP server in Letta.
func ValidServerName(name string) bool { return serverNameRE.MatchString(name) }

// MCPURL returns the URL Letta is given for odoo-mcp's /mcp.
func MCPURL(publicURL string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(publicURL))
	if err != nil {
		return "", fmt.Errorf("public URL: %w", urlredact.Error(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("public URL %q: scheme must be http or https", urlredact.URL(u.String()))
	}
	if u.Host == "" {
		return "", fmt.Errorf("public URL %q: missing host", urlredact.URL(u.String()))
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("public URL %q: must not carry credentials, a query or a fragment", urlredact.URL(u.String()))
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	if !strings.HasSuffix(u.Path, "/mcp") {
		u.Path += "/mcp"
	}
	return u.String(), nil
}

func (o *Options) withDefaults() (Options, error) {
	c := *o
	var errs []error
	if c.Letta == nil {
		errs = append(errs, errors.New("threads: a Letta client is required"))
	}
	switch c.ToolMode {
	case "":
		c.ToolMode = ToolModeAuto
	case ToolModeAuto, ToolModeClient, ToolModeMCP:
	default:
		errs = append(errs, fmt.Errorf("threads: tool mode %q: use auto, client or mcp", c.ToolMode))
	}
	if c.Tokens == nil && c.ToolMode == ToolModeMCP {
		errs = append(errs, errors.New("threads: thread tokens are required in MCP mode"))
	}
	if c.Runner == nil && c.ToolMode == ToolModeClient {
		errs = append(errs, errors.New("threads: a tool runner is required in client-tools mode"))
	}
	if c.MaxToolRounds <= 0 {
		c.MaxToolRounds = defaultMaxToolRounds
	}
	if c.ServerName == "" {
		c.ServerName = DefaultServerName
	}
	if !ValidServerName(c.ServerName) {
		errs = append(errs, fmt.Errorf("threads: MCP server name %q: use letters, digits, '_' and '-' (at most 64)", c.ServerName))
	}
	if _, err := MCPURL(c.PublicURL); err != nil && (c.ToolMode == ToolModeMCP || c.PublicURL != "") {
		errs = append(errs, fmt.Errorf("threads: %w", err))
	}
	if c.RevocationCacheTTL <= 0 || c.RevocationCacheTTL > defaultRevocationTTL {
		c.RevocationCacheTTL = defaultRevocationTTL
	}
	if c.ModelCacheTTL <= 0 {
		c.ModelCacheTTL = defaultModelCacheTTL
	}
	if c.KeepAlive <= 0 {
		c.KeepAlive = defaultKeepAlive
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = defaultMaxBody
	}
	if c.RetryMin <= 0 {
		c.RetryMin = defaultRetryMin
	}
	if c.RetryMax < c.RetryMin {
		c.RetryMax = max(defaultRetryMax, c.RetryMin)
	}
	if c.Recheck == 0 {
		c.Recheck = defaultRecheck
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, errors.Join(errs...)
}
