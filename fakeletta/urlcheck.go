package fakeletta

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Private-URL block of NEW (letta/helpers/url_validation.py, from 0.16.7).
// Real 0.16.8 has no switch to turn it off; Options.AllowPrivateURLs exists
// only so that tests can run the fake against servers on loopback.

var blockedHostnames = map[string]bool{"localhost": true, "metadata.google.internal": true}

var blockedSuffixes = []string{".local", ".localdomain", ".home.arpa", ".svc", ".cluster.local"}

// CheckMCPServerURL ports validate_mcp_server_url. With resolve false it
// performs the registration-time check (scheme, host, blocked names, IP
// literals that are not globally routable); with resolve true it also
// resolves the hostname and refuses it when any address is not global, as
// Letta does before every connection. The error text is Letta's message.
func CheckMCPServerURL(ctx context.Context, raw string, resolve bool) error {
	if raw == "" {
		return fmt.Errorf("server_url cannot be empty")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("server_url must start with 'http://' or 'https://', got: '%s'", raw)
	}
	if u.Host == "" {
		return fmt.Errorf("server_url must have a valid host, got: '%s'", raw)
	}
	original := u.Hostname()
	if original == "" {
		return fmt.Errorf("Missing hostname")
	}
	host := strings.ToLower(strings.TrimRight(original, "."))
	if blockedHostnames[host] || hasBlockedSuffix(host) {
		return fmt.Errorf("Blocked internal hostname: %s", strings.ToLower(original))
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if !isGlobalIP(ip) {
			return fmt.Errorf("Non-public IP not allowed: %s", strings.ToLower(original))
		}
		return nil
	}
	if !resolve {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil || len(addrs) == 0 {
		return fmt.Errorf("Cannot resolve hostname: %s", strings.ToLower(original))
	}
	for _, a := range addrs {
		ip, ok := netip.AddrFromSlice(a.IP)
		if !ok {
			continue
		}
		if !isGlobalIP(ip.Unmap()) {
			return fmt.Errorf("Hostname resolves to non-public IP: %s", ip.Unmap())
		}
	}
	return nil
}

func hasBlockedSuffix(host string) bool {
	for _, s := range blockedSuffixes {
		if strings.HasSuffix(host, s) {
			return true
		}
	}
	return false
}

// Non-global ranges of Python's ipaddress module (is_global is false).
var nonGlobalPrefixes = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		// IPv4 (_private_networks plus the shared address space 100.64/10)
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
		"172.16.0.0/12", "192.0.0.0/29", "192.0.0.170/31", "192.0.2.0/24",
		"192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
		"240.0.0.0/4", "255.255.255.255/32",
		// IPv6
		"::1/128", "::/128", "::ffff:0:0/96", "64:ff9b:1::/48", "100::/64",
		"2001::/23", "2001:db8::/32", "2002::/16", "3fff::/20", "5f00::/16",
		"fc00::/7", "fe80::/10",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// Exceptions Python carves out of the ranges above (they are global).
var globalExceptions = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"192.0.0.9/32", "192.0.0.10/32",
		"2001:1::1/128", "2001:1::2/128", "2001:3::/32", "2001:4:112::/48",
		"2001:20::/28", "2001:30::/28",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

func isGlobalIP(ip netip.Addr) bool {
	if ip.Zone() != "" {
		ip = ip.WithZone("")
	}
	for _, p := range globalExceptions {
		if p.Contains(ip) {
			return true
		}
	}
	for _, p := range nonGlobalPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}
