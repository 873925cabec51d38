package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/fakeletta"
	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/letta/threads"
)

// TestSoak holds mixed load on the binary: direct MCP tool calls (creates
// and reads) and thread messages whose agent creates records through /mcp
// with its thread token (rate and stream limits off: this measures holding
// load, the limits have tests of their own). Afterwards every successful create must be in the
// fake Odoo exactly once, no request may have failed, and the process's
// memory must be back within a bound. Not in the default run:
//
//	SOAK=1 SOAK_DURATION=60s SOAK_CONCURRENCY=16 go test -run TestSoak -v ./e2e/
func TestSoak(t *testing.T) {
	if os.Getenv("SOAK") == "" {
		t.Skip("soak test: set SOAK=1 (and SOAK_DURATION, SOAK_CONCURRENCY) to run it")
	}
	duration, err := time.ParseDuration(envOr("SOAK_DURATION", "30s"))
	if err != nil {
		t.Fatal(err)
	}
	workers, _ := strconv.Atoi(envOr("SOAK_CONCURRENCY", "8"))
	s := startThreadStack(t, fakeletta.VersionNew, "ODOO_MCP_RATE_LIMIT=0", "ODOO_MCP_MAX_STREAMS=0", "ODOO_MCP_LOG_LEVEL=warn")
	p := s.p
	admin := basicAuth(fakeodoo.AdminLogin, fakeodoo.AdminKey)
	waitForLog(t, p, "registered with Letta", 30*time.Second)
	api := thClient(t, p, admin)
	if th, err := api.Declare(t.Context(), "soak", threads.Spec{Model: thModel, Tools: &[]string{"odoo_record_creator", "odoo_record_retriever"}}); err != nil || !th.Created {
		t.Fatalf("declare: %+v %v", th, err)
	}
	cs, err := connectMCP(t, p, admin)
	if err != nil {
		t.Fatal(err)
	}
	// Warm up, then take the memory baseline.
	for i := range 50 {
		callTool(t, cs, "odoo_record_retriever", map[string]any{"model": "res.partner", "fields": []string{"name"}, "limit": 5, "offset": i % 10})
	}
	rssBefore := rssKiB(t, p)

	var (
		created, toolCalls, messages, failures atomic.Int64
		firstErr                               atomic.Value
		wg                                     sync.WaitGroup
	)
	fail := func(err error) {
		failures.Add(1)
		firstErr.CompareAndSwap(nil, err)
	}
	stop := time.Now().Add(duration)
	for w := range workers {
		wg.Go(func() {
			for i := 0; time.Now().Before(stop); i++ {
				name := fmt.Sprintf("soak-%d-%d", w, i)
				switch i % 4 {
				case 0: // a thread message whose agent creates a record over MCP
					reply, err := api.Ask(context.Background(), "soak",
						`call odoo_record_creator {"model":"res.partner","fields":[{"field":"name","value":"`+name+`"}]}`)
					body, _ := json.Marshal(reply)
					if err != nil || !strings.Contains(string(body), "Record created successfully") {
						fail(fmt.Errorf("message: %v %.300s", err, body))
						continue
					}
					messages.Add(1)
					created.Add(1)
				case 1: // a direct create
					res, err := cs.CallTool(context.Background(), &gomcp.CallToolParams{Name: "odoo_record_creator",
						Arguments: map[string]any{"model": "res.partner", "fields": []any{map[string]any{"field": "name", "value": name}}}})
					if err != nil || res.IsError {
						fail(fmt.Errorf("create: %v %v", err, res))
						continue
					}
					toolCalls.Add(1)
					created.Add(1)
				default: // reads
					res, err := cs.CallTool(context.Background(), &gomcp.CallToolParams{Name: "odoo_record_retriever",
						Arguments: map[string]any{"model": "res.partner", "domain": []any{[]any{"name", "=like", "soak-%"}}, "fields": []string{"name"}, "limit": 20}})
					if err != nil || res.IsError {
						fail(fmt.Errorf("read: %v %v", err, res))
						continue
					}
					toolCalls.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if n := failures.Load(); n > 0 {
		t.Fatalf("%d requests failed; first: %v", n, firstErr.Load())
	}

	// Every write accounted for: each name exactly once (paging through
	// the retriever, capped at 1000 records a call).
	seen := map[string]int{}
	for offset := 0; ; {
		res := callTool(t, cs, "odoo_record_retriever", map[string]any{"model": "res.partner",
			"domain": []any{[]any{"name", "=like", "soak-%"}}, "fields": []string{"name"}, "limit": 1000, "offset": offset, "order": "id"})
		var page struct {
			Records    []struct{ Name string }
			NextOffset *int `json:"next_offset"`
		}
		json.Unmarshal([]byte(res.Content[0].(*gomcp.TextContent).Text), &page)
		for _, r := range page.Records {
			seen[r.Name]++
		}
		if page.NextOffset == nil {
			break
		}
		offset = *page.NextOffset
	}
	for name, n := range seen {
		if n != 1 {
			t.Errorf("%s stored %d times", name, n)
		}
	}
	if int64(len(seen)) != created.Load() {
		t.Errorf("%d creates succeeded but %d records are in Odoo", created.Load(), len(seen))
	}
	rssAfter := rssKiB(t, p)
	t.Logf("soak: %s at concurrency %d: %d tool calls, %d thread messages, %d records created, 0 failures; RSS %d KiB → %d KiB",
		duration, workers, toolCalls.Load(), messages.Load(), created.Load(), rssBefore, rssAfter)
	// Steady memory: the record data lives in the fake Odoo (this process),
	// not in odoo-mcp, so its RSS may grow only by caches and pools.
	if rssAfter > rssBefore*3/2+16*1024 {
		t.Errorf("RSS grew from %d KiB to %d KiB", rssBefore, rssAfter)
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// rssKiB reads the process's resident set size from /proc.
func rssKiB(t *testing.T, p *process) int64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.PID()))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	t.Fatal("no VmRSS")
	return 0
}
