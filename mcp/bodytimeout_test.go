package mcp

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/httpapp"
)

// A client trickling its body a byte at a time is cut off after the body
// timeout; the wait bounds only the failing case (the defect: never).
func TestTrickledBodyTimesOut(t *testing.T) {
	s := newStack(t, "18.0", nil)
	srv := httptest.NewServer(appFor(s.endpoint, httpapp.Config{BodyReadTimeout: 200 * time.Millisecond}))
	t.Cleanup(srv.Close)
	for _, path := range []string{"/mcp", "/anything"} {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		io.WriteString(conn, "POST "+path+" HTTP/1.1\r\nHost: "+srv.Listener.Addr().String()+"\r\nContent-Type: application/json\r\n"+
			"Accept: application/json, text/event-stream\r\nAuthorization: "+basicHeader(fakeodoo.AdminLogin, fakeodoo.AdminKey)+
			"\r\nContent-Length: 100000\r\n\r\n{")
		stop := make(chan struct{})
		go func() { // a byte every 20 ms: 100 KB would take half an hour
			for {
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
					if _, err := conn.Write([]byte(" ")); err != nil {
						return
					}
				}
			}
		}()
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		close(stop)
		if err != nil {
			t.Fatalf("%s: no answer to a trickled body: %v", path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode < 400 || resp.StatusCode >= 500 {
			t.Errorf("%s: %d %s, want a 4xx", path, resp.StatusCode, body)
		}
	}
}
