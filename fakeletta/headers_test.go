package fakeletta

import (
	"maps"
	"testing"
)

func TestResolveValue(t *testing.T) {
	cases := []struct {
		name  string
		value string
		env   map[string]string
		want  string
	}{
		{"no template", "Bearer abc", map[string]string{"X": "1"}, "Bearer abc"},
		{"default when no env (listing)", "Bearer {{ ODOO_API_KEY | system-api-key }}", nil, "Bearer system-api-key"},
		{"env value wins", "Bearer {{ ODOO_API_KEY | system-api-key }}", map[string]string{"ODOO_API_KEY": "k1"}, "Bearer k1"},
		{"empty env value wins", "Bearer {{ ODOO_API_KEY | system-api-key }}", map[string]string{"ODOO_API_KEY": ""}, "Bearer "},
		{"no spaces", "Bearer {{ODOO_API_KEY|dflt}}", nil, "Bearer dflt"},
		{"default is trimmed literal text", "{{ KEY |   some default value  }}", nil, "some default value"},
		{"default is not a lookup", "{{ KEY | OTHER }}", map[string]string{"OTHER": "x"}, "OTHER"},
		{"lower-case names are not templates", "Bearer {{ odoo_api_key | d }}", map[string]string{"odoo_api_key": "x"}, "Bearer {{ odoo_api_key | d }}"},
		{"unresolved without default keeps whole value", "Bearer {{ TOKEN }}", nil, "Bearer {{ TOKEN }}"},
		{"env without default", "Bearer {{ TOKEN }}", map[string]string{"TOKEN": "t"}, "Bearer t"},
		{"several templates", "{{ A | a }}:{{ B | b }}", map[string]string{"A": "1"}, "1:b"},
		{"one unresolved keeps whole value", "{{ A | a }}:{{ B }}", map[string]string{"A": "1"}, "{{ A | a }}:{{ B }}"},
		{"value looking like a template keeps original", "Bearer {{ T }}", map[string]string{"T": "{{ U | x }}"}, "Bearer {{ T }}"},
		{"digits and underscore names", "{{ _K2_ | d }}", map[string]string{"_K2_": "v"}, "v"},
		{"name may not start with a digit", "{{ 2K | d }}", map[string]string{"2K": "v"}, "{{ 2K | d }}"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := ResolveValue(tc.value, tc.env); got != tc.want {
				t.Errorf("ResolveValue(%q) = %q, want %q", tc.value, got, tc.want)
			}
		})
	}
}

func TestResolveHeaders(t *testing.T) {
	headers := map[string]string{
		"Authorization":   "Bearer {{ ODOO_MCP_TOKEN | placeholder }}",
		` "X-Db": `:       ` "{{ ODOO_DB | main }}" `,
		"X-Static":        "fixed",
		"X-Unresolved":    "{{ MISSING }}",
		"'X-Quoted'":      "'v'",
		"X-Colon::":       "c",
		`"`:               "lonely quote",
		"X-Lower":         "{{ lower | d }}",
		"X-Inner-Quotes":  `a"b"`,
		"X-Spaced-Value ": "  spaced  ",
	}
	cases := []struct {
		name    string
		version string
		env     map[string]string
		want    map[string]string
	}{
		{"OLD listing uses defaults, keys and values untouched", VersionOld, nil, map[string]string{
			"Authorization":   "Bearer placeholder",
			` "X-Db": `:       ` "main" `,
			"X-Static":        "fixed",
			"X-Unresolved":    "{{ MISSING }}",
			"'X-Quoted'":      "'v'",
			"X-Colon::":       "c",
			`"`:               "lonely quote",
			"X-Lower":         "{{ lower | d }}",
			"X-Inner-Quotes":  `a"b"`,
			"X-Spaced-Value ": "  spaced  ",
		}},
		{"OLD tool call uses the agent's variables", VersionOld, map[string]string{"ODOO_MCP_TOKEN": "abc", "MISSING": "now"}, map[string]string{
			"Authorization":   "Bearer abc",
			` "X-Db": `:       ` "main" `,
			"X-Static":        "fixed",
			"X-Unresolved":    "now",
			"'X-Quoted'":      "'v'",
			"X-Colon::":       "c",
			`"`:               "lonely quote",
			"X-Lower":         "{{ lower | d }}",
			"X-Inner-Quotes":  `a"b"`,
			"X-Spaced-Value ": "  spaced  ",
		}},
		{"NEW sanitises keys and values first", VersionNew, map[string]string{"ODOO_DB": "prod"}, map[string]string{
			"Authorization":  "Bearer placeholder",
			`"X-Db"`:         "prod", // quotes are stripped before the colon is
			"X-Colon":        "c",
			"X-Static":       "fixed",
			"X-Unresolved":   "{{ MISSING }}",
			"X-Quoted":       "v",
			"":               "lonely quote",
			"X-Lower":        "{{ lower | d }}",
			"X-Inner-Quotes": `a"b"`,
			"X-Spaced-Value": "spaced",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := ResolveHeaders(headers, tc.env, tc.version)
			if !maps.Equal(got, tc.want) {
				t.Errorf("ResolveHeaders =\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
	if ResolveHeaders(nil, nil, VersionNew) != nil {
		t.Error("nil headers must stay nil")
	}
	if len(headers) != 10 || headers["X-Static"] != "fixed" {
		t.Error("input modified")
	}
}

func TestCheckMCPServerURL(t *testing.T) {
	cases := []struct {
		url     string
		wantErr string
	}{
		{"https://odoo-mcp.example.com/mcp", ""},
		{"http://8.8.8.8:8080/mcp", ""},
		{"http://localhost:8080/mcp", "Blocked internal hostname: localhost"},
		{"http://LOCALHOST./mcp", "Blocked internal hostname: localhost."},
		{"http://odoo.local/mcp", "Blocked internal hostname: odoo.local"},
		{"http://mcp.default.svc/mcp", "Blocked internal hostname: mcp.default.svc"},
		{"http://router.home.arpa/mcp", "Blocked internal hostname: router.home.arpa"},
		{"http://127.0.0.1:9000/mcp", "Non-public IP not allowed: 127.0.0.1"},
		{"http://10.1.2.3/mcp", "Non-public IP not allowed: 10.1.2.3"},
		{"http://172.20.0.5/mcp", "Non-public IP not allowed: 172.20.0.5"},
		{"http://192.168.1.10/mcp", "Non-public IP not allowed: 192.168.1.10"},
		{"http://100.64.0.1/mcp", "Non-public IP not allowed: 100.64.0.1"},
		{"http://169.254.169.254/latest", "Non-public IP not allowed: 169.254.169.254"},
		{"http://[::1]:8080/mcp", "Non-public IP not allowed: ::1"},
		{"http://[fd00::1]/mcp", "Non-public IP not allowed: fd00::1"},
		{"ftp://example.com/mcp", "server_url must start with 'http://' or 'https://', got: 'ftp://example.com/mcp'"},
		{"", "server_url cannot be empty"},
	}
	for _, tc := range cases {
		err := CheckMCPServerURL(t.Context(), tc.url, false)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%q: unexpected error %v", tc.url, err)
		case tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr):
			t.Errorf("%q: error %v, want %q", tc.url, err, tc.wantErr)
		}
	}
}
