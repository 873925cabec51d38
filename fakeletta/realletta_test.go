package fakeletta

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Answers recorded from the real Letta servers (e2e/realletta), replayed
// against the fake: the fake must answer the same status and body.
func TestMatchesRealLetta(t *testing.T) {
	tests := []struct {
		name, version, method, path, body string
		status                            int
		want                              string // the real body; "127.0.0.1:PORT" as sent
	}{
		{"0.16.8 refuses a loopback MCP URL", VersionNew, http.MethodPost, "/v1/mcp-servers/",
			`{"server_name":"loopback-probe","config":{"mcp_server_type":"streamable_http","server_url":"http://127.0.0.1:35189/mcp"}}`,
			422, `{"trace_id":"","detail":"[{'type': 'value_error', 'loc': ('body', 'config', 'streamable_http', 'server_url'), 'msg': 'Value error, Non-public IP not allowed: 127.0.0.1', 'input': 'http://127.0.0.1:35189/mcp', 'ctx': {'error': ValueError('Non-public IP not allowed: 127.0.0.1')}}]"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(New(Options{Version: tt.version}))
			defer srv.Close()
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status || string(b) != tt.want {
				t.Errorf("fake: %d %s\nreal: %d %s", resp.StatusCode, b, tt.status, tt.want)
			}
		})
	}
}

// TestSecretsThatLookEncrypted: NEW without LETTA_ENCRYPTION_KEY reads back
// as empty a variable it takes for its own ciphertext (real 0.16.6 did so
// with one thread token in four); OLD keeps every value.
func TestSecretsThatLookEncrypted(t *testing.T) {
	ciphertextLike := strings.Repeat("QUJD", 15) // 60 base64 characters, 45 bytes
	for _, tt := range []struct {
		version, value, want string
	}{
		{VersionNew, ciphertextLike, ""},
		{VersionNew, ciphertextLike[:59], ciphertextLike[:59]},
		{VersionNew, "sk-" + ciphertextLike, "sk-" + ciphertextLike},
		{VersionOld, ciphertextLike, ciphertextLike},
	} {
		s := New(Options{Version: tt.version})
		env := s.storedEnv(map[string]string{"K": tt.value})
		if env[0].Value != tt.want {
			t.Errorf("%s: %q stored as %q, want %q", tt.version, tt.value, env[0].Value, tt.want)
		}
	}
}
