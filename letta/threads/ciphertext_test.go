package threads

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

// TestLettaTakesForCiphertext follows Letta 0.16's is_encrypted on the
// shapes that matter: a JWT whose alphabet characters come in fours decodes
// under Python's lenient base64 and is taken for ciphertext.
func TestLettaTakesForCiphertext(t *testing.T) {
	long := base64.RawURLEncoding.EncodeToString(make([]byte, 60)) // 80 characters
	tests := []struct {
		v    string
		want bool
	}{
		{long, true},
		{long[:79], false},                  // 79 alphabet characters: padding error
		{long[:40] + "." + long[40:], true}, // the dot is dropped
		{long[:40] + "." + long[41:], false},
		{"short", false},
		{strings.Repeat("A", 56), false}, // 42 bytes: too short for Letta's format
		{strings.Repeat("A", 60), true},  // 45 bytes
	}
	for _, tt := range tests {
		if got := lettaTakesForCiphertext(tt.v); got != tt.want {
			t.Errorf("lettaTakesForCiphertext(%q) = %v, want %v", tt.v, got, tt.want)
		}
	}
}

// TestIssuedTokensNeverLookLikeLettaCiphertext: one JWT in four would come
// back empty from Letta 0.16; issue never hands one out.
func TestIssuedTokensNeverLookLikeLettaCiphertext(t *testing.T) {
	e := newEnv(t, "0.16.8")
	id := &auth.Identity{DB: "db", UID: 2, Login: "admin", Credentials: odoorpc.Credentials{UID: 2, Key: "key"}}
	for i := range 64 {
		token, _, err := e.orch.issue(id, meta{ThreadID: "t", Tools: []string{"odoo_record_retriever"}}, "agent-00000000-0000-4000-8000-00000000000"+string(rune('0'+i%10)))
		if err != nil {
			t.Fatal(err)
		}
		if lettaTakesForCiphertext(token) {
			t.Fatalf("issued %q, which Letta 0.16 reads back as empty", token)
		}
	}
}
