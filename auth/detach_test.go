package auth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

// The check shared by concurrent callers of one cold credential must not
// die with the caller that started it: the first caller hangs up while
// Odoo is still answering, the others still get their identity.
func TestFirstCallerLeavingDoesNotFailTheSharedCheck(t *testing.T) {
	for _, version := range []string{"18.0", "19.0"} {
		t.Run(version, func(t *testing.T) {
			fake := fakeodoo.New(fakeodoo.Options{Version: version})
			entered := make(chan struct{})
			release := make(chan struct{})
			var once sync.Once
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				once.Do(func() { close(entered) })
				<-release
				fake.ServeHTTP(w, r)
			}))
			var releaseOnce sync.Once
			t.Cleanup(func() { releaseOnce.Do(func() { close(release) }); srv.Close() })
			client, err := odoorpc.New(odoorpc.Config{URL: srv.URL, DB: fake.DB(), Timeout: 30 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			authn := NewAuthenticator(client, Options{})
			h := basic(fakeodoo.AdminLogin, fakeodoo.AdminKey)

			first, cancel := context.WithCancel(context.Background())
			firstErr := make(chan error, 1)
			go func() { _, err := authn.Authenticate(first, h); firstErr <- err }()
			<-entered // the shared check is at Odoo

			const others = 5
			errs := make(chan error, others)
			for range others {
				go func() { _, err := authn.Authenticate(context.Background(), h); errs <- err }()
			}
			waitForWaiters(t, others)
			cancel()
			// The first caller's own wait ends at once, Odoo still busy.
			if err := <-firstErr; !errors.Is(err, context.Canceled) {
				t.Fatalf("first caller: %v, want context.Canceled", err)
			}
			releaseOnce.Do(func() { close(release) })
			for range others {
				if err := <-errs; err != nil {
					t.Errorf("a caller sharing the check failed: %v", err)
				}
			}
			// The shared result was cached: no further request.
			before := fake.Requests()
			if _, err := authn.Authenticate(context.Background(), h); err != nil {
				t.Fatal(err)
			}
			if n := fake.Requests() - before; n != 0 {
				t.Errorf("the shared check's result was not cached: %d more requests", n)
			}
		})
	}
}

// waitForWaiters blocks until n goroutines wait inside Authenticate for a
// check another goroutine runs (blocked, not calling Odoo themselves).
func waitForWaiters(t *testing.T, n int) {
	t.Helper()
	buf := make([]byte, 1<<20)
	for range 10000 {
		stacks := string(buf[:runtime.Stack(buf, true)])
		waiting := 0
		for _, g := range strings.Split(stacks, "\n\n") {
			if strings.Contains(g, "auth.(*Authenticator).Authenticate(") && !strings.Contains(g, "odoorpc.") && !strings.Contains(g, "[running") && !strings.Contains(g, "[runnable") {
				waiting++
			}
		}
		if waiting >= n {
			return
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("%d callers never started waiting for the shared check", n)
}
