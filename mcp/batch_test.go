package mcp

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/httpapp"
	"github.com/odoo-mcp/odoo-mcp/limits"
)

// batchOf is a JSON-RPC batch of n retriever calls (accepted by the SDK
// when the client sends no MCP-Protocol-Version header: 2025-03-26).
func batchOf(n int) string {
	calls := make([]string, n)
	for i := range calls {
		calls[i] = fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"odoo_record_retriever","arguments":{"model":"res.partner","fields":["name"],"limit":1}}}`, i+1)
	}
	return "[" + strings.Join(calls, ",") + "]"
}

func (s *stack) searchReads() int {
	n := 0
	for _, c := range s.fake.Calls() {
		if c.Method == "search_read" {
			n++
		}
	}
	return n
}

func TestLargeBatchIsRefusedBeforeOdooIsAsked(t *testing.T) {
	s := newStack(t, "18.0", func(c *testConfig) { c.Rate = limits.NewRate(0.001, 200) })
	admin := basicHeader(fakeodoo.AdminLogin, fakeodoo.AdminKey)
	resp := s.post(t, admin, batchOf(400))
	body, _ := io.ReadAll(resp.Body)
	if n := s.searchReads(); n > 0 {
		t.Fatalf("a batch of 400 calls against a burst of 200 made %d Odoo calls", n)
	}
	var rpc struct {
		Error struct {
			Code    int
			Message string
		}
	}
	if resp.StatusCode != http.StatusBadRequest || json.Unmarshal(body, &rpc) != nil || rpc.Error.Code != -32600 ||
		!strings.Contains(rpc.Error.Message, fmt.Sprint(httpapp.MaxBatch)) {
		t.Fatalf("want 400 with a JSON-RPC invalid-request error naming the limit, got %d %s", resp.StatusCode, body)
	}
}

func TestEveryMessageOfABatchCountsAgainstTheRateLimit(t *testing.T) {
	s := newStack(t, "18.0", func(c *testConfig) { c.Rate = limits.NewRate(0.001, 6) })
	admin := basicHeader(fakeodoo.AdminLogin, fakeodoo.AdminKey)
	if resp := s.post(t, admin, batchOf(4)); resp.StatusCode != http.StatusOK {
		t.Fatalf("first batch of 4 (burst 6): %d", resp.StatusCode)
	} else {
		io.ReadAll(resp.Body)
	}
	resp := s.post(t, admin, batchOf(4))
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("second batch of 4 with 2 requests left: %d, want 429", resp.StatusCode)
	}
	if n := s.searchReads(); n != 4 {
		t.Fatalf("%d Odoo calls, want the first batch's 4", n)
	}
	for i := range 2 {
		if resp := s.post(t, admin, batchOf(1)[1:len(batchOf(1))-1]); resp.StatusCode != http.StatusOK {
			t.Fatalf("single call %d with requests left: %d", i+1, resp.StatusCode)
		}
	}
	if resp := s.post(t, admin, initializeBody); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("over the limit: %d", resp.StatusCode)
	}
}
