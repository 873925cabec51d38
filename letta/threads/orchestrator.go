package threads

import (
	"log/slog"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/internal/boundcache"
	"github.com/odoo-mcp/odoo-mcp/letta"
)

// Orchestrator keeps one Letta agent per thread. It is safe for concurrent
// use; build it with New, then Mount its routes, run RunRegistration in the
// background and hand it to auth.Tokens.SetRevocations.
type Orchestrator struct {
	opts   Options
	letta  *letta.Client
	tokens *auth.Tokens
	log    *slog.Logger
	mcpURL string
	now    func() time.Time

	locks keyedMutex // one declaration per thread at a time in this process

	reg  registrar
	cat  catalog
	org  orgCache
	mode toolModeState

	// finishedSteps holds the steps of runs that have ended (they no
	// longer change), so usage reports on Letta versions that read steps
	// run by run do not ask again for old runs. A cache, not state: any
	// replica reads the same from Letta.
	finishedSteps *boundcache.Cache[string, []letta.Step]
	// sharedVerified: user tag → the shared block this replica last saw
	// their threads converge on (convergeShared).
	sharedVerified *boundcache.Cache[string, string]

	revMu      sync.Mutex
	tokenCache map[string]revEntry // agent id → what Letta said of its token, briefly
	revSF      singleflight.Group
}

// New builds an orchestrator.
func New(opts Options) (*Orchestrator, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	mcpURL := ""
	if o.PublicURL != "" {
		mcpURL, _ = MCPURL(o.PublicURL)
	}
	orch := &Orchestrator{
		opts: o, letta: o.Letta, tokens: o.Tokens, log: o.Logger, mcpURL: mcpURL, now: time.Now,
		tokenCache:     map[string]revEntry{},
		finishedSteps:  boundcache.New[string, []letta.Step](finishedRunsCached, nil),
		sharedVerified: boundcache.New[string, string](sharedVerifiedUsers, nil),
	}
	orch.reg.sem = make(chan struct{}, 1)
	orch.cat.ttl = o.ModelCacheTTL
	return orch, nil
}

// MCPURL is the URL odoo-mcp registers with Letta.
func (o *Orchestrator) MCPURL() string { return o.mcpURL }

// ServerName is the MCP server's name in Letta.
func (o *Orchestrator) ServerName() string { return o.opts.ServerName }

// LettaURL is Letta's base URL, without credentials.
func (o *Orchestrator) LettaURL() string { return o.letta.BaseURL() }
