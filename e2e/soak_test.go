package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
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
	if status, body, _ := thDo(t, p, http.MethodPut, "/api/v1/threads/soak", admin,
		`{"model":"`+thModel+`","tools":["odoo_record_creator","odoo_record_retriever"]}`); status != http.StatusCreated {
		t.Fatalf("declare: %d %s", status, body)
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
					status, body, _ := thDoQuiet(p, http.MethodPost, "/api/v1/threads/soak/messages", admin,
						`{"content":"call odoo_record_creator {\"model\":\"res.partner\",\"fields\":[{\"field\":\"name\",\"value\":\"`+name+`\"}]}"}`,
						"Accept", "application/json")
					if status != http.StatusOK || !strings.Contains(string(body), "Record created successfully") {
						fail(fmt.Errorf("message: %d %.300s", status, body))
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
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
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

// thDoQuiet is thDo without t, for worker goroutines.
func thDoQuiet(p *process, method, path, authorization, body string, header ...string) (int, []byte, http.Header) {
	req, err := http.NewRequest(method, p.URL+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, nil
	}
	req.Header.Set("Authorization", authorization)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		return 0, []byte(err.Error()), nil
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, []byte(b.String()), resp.Header
}
