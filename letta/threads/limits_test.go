package threads

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/fakeletta"
	"github.com/odoo-mcp/odoo-mcp/limits"
)

func TestStreamCapPerUser(t *testing.T) {
	e := newEnv(t, fakeletta.VersionNew, func(o *envOptions) {
		o.orch = func(opts *Options) { opts.Streams = limits.NewStreams(1) }
	})
	e.declare(admin, "capped", Spec{Model: chatModel}, http.StatusCreated)
	// Letta pauses between events, so the first stream stays open.
	e.letta.SetFault(fakeletta.Fault{Method: "POST", Path: "/v1/agents/{agent_id}/messages/stream", EventDelay: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.appSrv.URL+"/api/v1/threads/capped/messages", strings.NewReader(`{"content":"hello"}`))
	req.Header.Set("Authorization", admin)
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("first stream: %d", resp.StatusCode)
	}
	second := e.do(http.MethodPost, "/api/v1/threads/capped/messages", admin, map[string]any{"content": "again"})
	if second.status != http.StatusTooManyRequests || !strings.Contains(string(second.body), "too_many_streams") {
		t.Fatalf("second stream: %d %s", second.status, second.body)
	}
	// Closing the first stream frees the slot.
	cancel()
	resp.Body.Close()
	eventually(t, 10*time.Second, "the stream slot to be released", func() bool {
		r := e.do(http.MethodGet, "/api/v1/threads/capped", admin, nil)
		if r.status != http.StatusOK {
			return false
		}
		_, ok := e.orch.opts.Streams.Acquire("user:" + e.odoo.DB() + ":2")
		return ok
	})
}

func TestRateLimitPerUserOnThreadAPI(t *testing.T) {
	e := newEnv(t, fakeletta.VersionNew, func(o *envOptions) {
		// One rate covers /mcp and /api/v1, as in serve: register nothing,
		// so that Letta's calls to /mcp do not spend the user's budget.
		o.rate, o.register = limits.NewRate(0.001, 2), false
	})
	for i := range 2 {
		if r := e.do(http.MethodGet, "/api/v1/threads", admin, nil); r.status != http.StatusOK {
			t.Fatalf("request %d: %d", i+1, r.status)
		}
	}
	r := e.do(http.MethodGet, "/api/v1/threads", admin, nil)
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("over the limit: %d %s", r.status, r.body)
	}
}
