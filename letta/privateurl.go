package letta

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"

	"github.com/odoo-mcp/odoo-mcp/internal/redact"
)

// Letta 0.16.7+ refuses MCP server URLs whose host is private (letta.md
// §1.1, §7.4; letta/helpers/url_validation.py): reserved host names and
// IP literals that are not globally routable at registration, and host
// names that resolve to such an address when it connects (listing,
// syncing, calling). No setting turns it off. These helpers let odoo-mcp
// warn at start-up; they mirror the rules as documented, erring on the
// side of warning (multicast and documentation ranges count as private).

// blockedHostSuffixes are the reserved names (and their subdomains).
var blockedHostSuffixes = []string{"local", "localdomain", "home.arpa", "svc", "cluster.local"}

// nonGlobalPrefixes are the ranges Python's ipaddress does not call
// global (is_private, 100.64/10 shared space, …), plus multicast.
var nonGlobalPrefixes = func() []netip.Prefix {
	var ps []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
		"172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15",
		"198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
		"::/128", "::1/128", "64:ff9b:1::/48", "100::/64", "2001::/23",
		"2001:db8::/32", "fc00::/7", "fe80::/10", "ff00::/8",
	} {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}()

// IsNonGlobalIP reports whether Letta ≥0.16.7 treats addr as non-public.
func IsNonGlobalIP(addr netip.Addr) bool {
	addr = addr.Unmap()
	if !addr.IsValid() {
		return true
	}
	for _, p := range nonGlobalPrefixes {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// MCPURLBlockReason says why Letta ≥0.16.7 would refuse rawURL as an MCP
// server URL without looking anything up: "" when the host is a public IP
// literal or a name that is not reserved (a name still needs
// MCPURLBlockReasonResolved). A URL that does not parse is an error.
func MCPURLBlockReason(rawURL string) (string, error) {
	host, err := mcpURLHost(rawURL)
	if err != nil {
		return "", err
	}
	return hostBlockReason(host), nil
}

func mcpURLHost(rawURL string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return "", fmt.Errorf("letta: MCP URL: %w", redact.Error(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("letta: MCP URL %q: scheme must be http or https", redact.URL(u.String()))
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return "", fmt.Errorf("letta: MCP URL %q: missing host", redact.URL(u.String()))
	}
	return host, nil
}

func hostBlockReason(host string) string {
	if addr, err := netip.ParseAddr(host); err == nil {
		if IsNonGlobalIP(addr) {
			return fmt.Sprintf("host %s is a non-public IP address", host)
		}
		return ""
	}
	if host == "localhost" {
		return "host localhost is reserved"
	}
	for _, s := range blockedHostSuffixes {
		if host == s || strings.HasSuffix(host, "."+s) {
			return fmt.Sprintf("host %s is a reserved name (*.%s)", host, s)
		}
	}
	return ""
}

// Resolver looks host names up; *net.Resolver satisfies it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// MCPURLBlockReasonResolved is MCPURLBlockReason plus what Letta checks at
// connect time: a host name is resolved (with r, or net.DefaultResolver
// when nil) and refused if any address is non-public, as a Docker-network
// name like "odoo-mcp" usually is. A failed lookup is returned as an error
// (Letta could not connect either).
func MCPURLBlockReasonResolved(ctx context.Context, rawURL string, r Resolver) (string, error) {
	host, err := mcpURLHost(rawURL)
	if err != nil {
		return "", err
	}
	if reason := hostBlockReason(host); reason != "" {
		return reason, nil
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return "", nil
	}
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return "", fmt.Errorf("letta: resolve MCP host %s: %w", host, err)
	}
	for _, a := range addrs {
		if IsNonGlobalIP(a) {
			return fmt.Sprintf("host %s resolves to non-public IP %s", host, a.Unmap()), nil
		}
	}
	return "", nil
}
