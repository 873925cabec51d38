package httpapp

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
)

// checkHostAndOrigin guards every route (/mcp, the thread API, health,
// metrics) against DNS rebinding and cross-site requests from a browser:
//
//   - on a loopback listener, a Host that is not a loopback name is refused:
//     a page on evil.example whose name was rebound to 127.0.0.1 sends
//     Host: evil.example (the go-sdk does the same for /mcp only);
//   - an Origin header, when present, must be the request's own host (the
//     MCP specification asks servers to validate it); on a loopback
//     listener a loopback origin (a local tool such as MCP Inspector's web
//     UI) is accepted too. Clients that are not browsers send no Origin.
//
// Both answer 403 with what was refused and how to fix it.
func checkHostAndOrigin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		loopback := false
		switch addr := r.Context().Value(http.LocalAddrContextKey).(type) {
		case *net.TCPAddr:
			loopback = addr.IP.IsLoopback()
		case net.Addr:
			loopback = isLoopback(addr.String())
		}
		if loopback && !isLoopback(r.Host) {
			return forbidden(c, fmt.Sprintf("Host %s is not a loopback name, and this server listens on a loopback address (DNS rebinding protection): behind a proxy on this host, send Host: 127.0.0.1:<port>, or listen on a non-loopback address", quoteShort(r.Host)))
		}
		if origin := r.Header.Get("Origin"); origin != "" && !originAllowed(origin, r.Host, loopback) {
			return forbidden(c, fmt.Sprintf("Origin %s is not this server's own (%s): cross-site requests from a browser are refused", quoteShort(origin), quoteShort(r.Host)))
		}
		return next(c)
	}
}

func forbidden(c echo.Context, msg string) error {
	return c.JSON(http.StatusForbidden, map[string]string{"error": "forbidden", "message": msg})
}

// originAllowed: the Origin names the Host's own host name (and port, when
// both give one), or, on a loopback listener, a loopback host.
func originAllowed(origin, host string, loopback bool) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return false // "null" (sandboxed frames, file:), garbage
	}
	if loopback && isLoopback(u.Host) {
		return true
	}
	oHost, oPort := splitHostPort(u.Host)
	hHost, hPort := splitHostPort(host)
	return strings.EqualFold(oHost, hHost) && (oPort == "" || hPort == "" || oPort == hPort)
}

func splitHostPort(hostport string) (host, port string) {
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		return h, p
	}
	return strings.Trim(hostport, "[]"), ""
}

// isLoopback reports whether a host[:port] is localhost or a loopback IP.
func isLoopback(hostport string) bool {
	host, _ := splitHostPort(hostport)
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// quoteShort quotes a caller's value for an error message, cut short.
func quoteShort(s string) string {
	if len(s) > 100 {
		s = s[:100] + "…"
	}
	return fmt.Sprintf("%q", s)
}
