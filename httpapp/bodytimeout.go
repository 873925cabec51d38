package httpapp

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// bodyTimeout bounds how long a client may take to send its request body:
// http.Server's ReadHeaderTimeout covers only the headers, and its
// ReadTimeout would also bound every long response (a stream). A body that
// has not arrived within d fails to read, with an error that says so.
// net/http itself clears the connection's read deadline once the body has
// been read to its end (it then starts its background read, which notices
// a client hanging up), so the handler's work and any stream that follows
// are not bounded by it. A handler that answers without reading the body
// leaves the deadline in place, so the server's discarding of the unread
// rest is bounded too: a body still trickling closes the connection.
func bodyTimeout(d time.Duration) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		if d <= 0 {
			return next
		}
		return func(c echo.Context) error {
			r := c.Request()
			if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
				return next(c)
			}
			rc := http.NewResponseController(c.Response().Writer)
			if rc.SetReadDeadline(time.Now().Add(d)) != nil {
				return next(c) // not a real connection (a test recorder)
			}
			r.Body = timeoutBody{ReadCloser: r.Body, timeout: d}
			return next(c)
		}
	}
}

// timeoutBody names the timeout when the deadline fires, instead of
// "read tcp ...: i/o timeout".
type timeoutBody struct {
	io.ReadCloser
	timeout time.Duration
}

func (b timeoutBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var ne interface{ Timeout() bool }
	if err != nil && errors.As(err, &ne) && ne.Timeout() {
		err = fmt.Errorf("the request body did not arrive within %s (--read-body-timeout)", b.timeout)
	}
	return n, err
}
