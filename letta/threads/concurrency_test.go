package threads

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// TestConcurrentDeclarationsEndWithOneAgent declares one thread many times
// at once, through one replica (the per-process lock) and through several
// replicas sharing the Letta (after-create reconciliation).
func TestConcurrentDeclarationsEndWithOneAgent(t *testing.T) {
	for _, replicas := range []int{1, 3} {
		forEachVersion(t, func(t *testing.T, version string) {
			t.Run(fmt.Sprintf("%d-replicas", replicas), func(t *testing.T) {
				e := newEnv(t, version)
				urls := []string{e.appSrv.URL}
				for i := 1; i < replicas; i++ {
					// Another odoo-mcp: its own orchestrator (and lock) on its
					// own application, same Letta, same signing key.
					o := e.newOrchestrator(nil)
					app := e.appWithThreads(o)
					srv := httptest.NewServer(app)
					e.closers = append(e.closers, srv.Close)
					urls = append(urls, srv.URL)
				}
				const n = 9
				var wg sync.WaitGroup
				statuses := make([]int, n)
				agents := make([]string, n)
				for i := range n {
					wg.Add(1)
					go func() {
						defer wg.Done()
						body, _ := json.Marshal(Spec{Model: chatModel, Tools: &[]string{"odoo_record_retriever"}})
						req, _ := http.NewRequest(http.MethodPut, urls[i%len(urls)]+"/api/v1/threads/race", bytes.NewReader(body))
						req.Header.Set("Authorization", admin)
						resp, err := e.client.Do(req)
						if err != nil {
							t.Error(err)
							return
						}
						defer resp.Body.Close()
						b, _ := io.ReadAll(resp.Body)
						statuses[i] = resp.StatusCode
						var th Thread
						_ = json.Unmarshal(b, &th)
						agents[i] = th.AgentID
						if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
							t.Errorf("PUT #%d: %d %s", i, resp.StatusCode, b)
						}
					}()
				}
				wg.Wait()
				left := e.threadAgents("race")
				if len(left) != 1 {
					t.Fatalf("%d agents for one thread after %d concurrent declarations (statuses %v)", len(left), n, statuses)
				}
				for i, a := range agents {
					if a != left[0].ID {
						t.Errorf("PUT #%d answered agent %s, but %s is the thread's agent", i, a, left[0].ID)
					}
				}
				t.Logf("%d agents were created, %d deleted, to settle on one", e.requests(http.MethodPost, "/v1/agents/"), e.requests(http.MethodDelete, "/v1/agents/"))
				if replicas == 1 {
					if c := e.requests(http.MethodPost, "/v1/agents/"); c != 1 {
						t.Errorf("one replica created %d agents, want 1 (declarations are serialised)", c)
					}
				}
				// The survivor works.
				if _, evs := e.send(admin, "race", retrieverCall); len(evs) == 0 || evs[len(evs)-1].Data["finish_reason"] != "stop" {
					t.Errorf("the thread does not answer: %v", evs)
				}
			})
		})
	}
}
