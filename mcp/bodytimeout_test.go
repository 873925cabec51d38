package mcp

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
)

// A client trickling its body a byte at a time is cut off after the body
// timeout; the wait bounds only the failing case (the defect: never).
func TestTrickledBodyTimesOut(t *testing.T) {
	s := newStack(t, "18.0", nil)
	srv := httptest.NewServer(NewEcho(s.endpoint, HTTPConfig{BodyReadTimeout: 200 * time.Millisecond}))
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

// The body timeout does not cut a response that lasts longer than it (a
// stream) once the body has arrived.
func TestBodyTimeoutSparesLongResponses(t *testing.T) {
	s := newStack(t, "18.0", nil)
	app := NewEcho(s.endpoint, HTTPConfig{BodyReadTimeout: 50 * time.Millisecond})
	app.POST("/slow", func(c echo.Context) error {
		io.ReadAll(c.Request().Body)
		c.Response().Header().Set("Content-Type", "text/event-stream")
		c.Response().WriteHeader(http.StatusOK)
		c.Response().Flush()
		for i := range 3 {
			time.Sleep(100 * time.Millisecond) // past the body timeout
			if c.Request().Context().Err() != nil {
				return nil
			}
			io.WriteString(c.Response(), "data: "+string(rune('a'+i))+"\n\n")
			c.Response().Flush()
		}
		return nil
	})
	srv := httptest.NewServer(app)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/slow", strings.NewReader(`{"content":"hi"}`))
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
