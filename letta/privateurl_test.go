package letta

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestMCPURLBlockReason(t *testing.T) {
	tests := []struct {
		url     string
		blocked bool
		wantErr bool
	}{
		{url: "https://odoo-mcp.example.com/mcp"},
		{url: "https://8.8.8.8/mcp"},
		{url: "http://[2606:4700:4700::1111]:8080/mcp"},
		{url: "http://localhost:8080/mcp", blocked: true},
		{url: "http://LOCALHOST./mcp", blocked: true},
		{url: "http://odoo.local/mcp", blocked: true},
		{url: "http://box.localdomain/mcp", blocked: true},
		{url: "http://nas.home.arpa/mcp", blocked: true},
		{url: "http://odoo-mcp.default.svc/mcp", blocked: true},
		{url: "http://odoo-mcp.default.svc.cluster.local/mcp", blocked: true},
		{url: "http://127.0.0.1:8080/mcp", blocked: true},
		{url: "http://10.1.2.3/mcp", blocked: true},
		{url: "http://172.16.0.5/mcp", blocked: true},
		{url: "http://172.32.0.5/mcp"},
		{url: "http://192.168.1.10/mcp", blocked: true},
		{url: "http://100.64.0.1/mcp", blocked: true},
		{url: "http://169.254.169.254/mcp", blocked: true},
		{url: "http://0.0.0.0/mcp", blocked: true},
		{url: "http://[::1]/mcp", blocked: true},
		{url: "http://[fe80::1]/mcp", blocked: true},
		{url: "http://[fd00::1]/mcp", blocked: true},
		{url: "http://[::ffff:10.0.0.1]/mcp", blocked: true},
		{url: "http://notlocal.example/mcp"},
		{url: "http://odoo-mcp:8080/mcp"}, // needs DNS: see the resolved variant
		{url: "ftp://example.com/", wantErr: true},
		{url: "http:///mcp", wantErr: true},
		{url: "::", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			reason, err := MCPURLBlockReason(tt.url)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("no error (reason %q)", reason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (reason != "") != tt.blocked {
				t.Errorf("reason = %q, blocked want %v", reason, tt.blocked)
			}
		})
	}
}

type fakeResolver map[string][]string

func (r fakeResolver) LookupNetIP(_ context.Context, network, host string) ([]netip.Addr, error) {
	addrs, ok := r[host]
	if !ok {
		return nil, errors.New("no such host")
	}
	var out []netip.Addr
	for _, a := range addrs {
		out = append(out, netip.MustParseAddr(a))
	}
	return out, nil
}

func TestMCPURLBlockReasonResolved(t *testing.T) {
	r := fakeResolver{
		"odoo-mcp":          {"172.18.0.3"},
		"public.example":    {"93.184.216.34", "2606:2800:220:1::1"},
		"rebind.example":    {"93.184.216.34", "10.0.0.8"},
		"mapped.example":    {"::ffff:192.168.0.1"},
		"odoo.local":        {"93.184.216.34"}, // name rule wins before DNS
		"ipv6-only.example": {"2001:db8::5"},
	}
	tests := []struct {
		url     string
		want    string // substring of the reason; "" = allowed
		wantErr bool
	}{
		{url: "http://odoo-mcp:8080/mcp", want: "resolves to non-public IP 172.18.0.3"},
		{url: "https://public.example/mcp"},
		{url: "https://rebind.example/mcp", want: "10.0.0.8"},
		{url: "https://mapped.example/mcp", want: "192.168.0.1"},
		{url: "https://odoo.local/mcp", want: "reserved name"},
		{url: "https://ipv6-only.example/mcp", want: "2001:db8::5"},
		{url: "https://93.184.216.34/mcp"},
		{url: "http://127.0.0.1/mcp", want: "non-public IP address"},
		{url: "https://unknown.example/mcp", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			reason, err := MCPURLBlockReasonResolved(context.Background(), tt.url, r)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("no error (reason %q)", reason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" && reason != "" || tt.want != "" && !strings.Contains(reason, tt.want) {
				t.Errorf("reason = %q, want %q", reason, tt.want)
			}
		})
	}
}
