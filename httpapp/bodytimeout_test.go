package httpapp

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/auth"
)

// The body timeout does not cut a response that lasts longer than it (a
// stream) once the body has arrived.
func TestBodyTimeoutSparesLongResponses(t *testing.T) {
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		rc := http.NewResponseController(w)
		rc.Flush()
		for i := range 3 {
			time.Sleep(100 * time.Millisecond) // past the body timeout
			if r.Context().Err() != nil {
				return
			}
			io.WriteString(w, "data: "+string(rune('a'+i))+"\n\n")
			rc.Flush()
		}
	})
	app := New(Config{MCP: slow, Auth: stubAuth{id: &auth.Identity{DB: "db", UID: 2}}, BodyReadTimeout: 50 * time.Millisecond})
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/mcp", strings.NewReader(`{"content":"hi"}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if got := string(body); got != "data: a\n\ndata: b\n\ndata: c\n\n" {
		t.Fatalf("stream cut: %q", got)
	}
}
