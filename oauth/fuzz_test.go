package oauth

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/odoo-mcp/odoo-mcp/auth"
)

type noOdoo struct{}

func (noOdoo) Authenticate(context.Context, string) (*auth.Identity, error) {
	return nil, auth.ErrInvalid
}
func (noOdoo) CheckFresh(context.Context, string, string) (*auth.Identity, error) {
	return nil, auth.ErrInvalid
}

// FuzzVerifyAccessToken: any string is refused with auth.ErrInvalid, or
// is (an encoding of) the one token issued, for its user.
func FuzzVerifyAccessToken(f *testing.F) {
	s, err := New(Config{PublicURL: "https://odoo-mcp.example.com", SigningKey: "fuzz-signing-key-0123456789abcdef0123", DB: "db", Odoo: noOdoo{}})
	if err != nil {
		f.Fatal(err)
	}
	tok, err := s.issueAccess(Grant{ID: "g1", ClientID: "c", Scope: []string{ScopeRead}, User: User{DB: "db", UID: 7, Login: "u"}}, "the-odoo-key")
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{tok, tok[:len(tok)-2], strings.SplitAfter(tok, ".")[0] + "e30.", "", "eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.e30."} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		id, err := s.Verify(context.Background(), token)
		if err != nil {
			if !errors.Is(err, auth.ErrInvalid) {
				t.Fatalf("error %v is not auth.ErrInvalid", err)
			}
			return
		}
		if id.UID != 7 || id.DB != "db" || id.Credentials.Key != "the-odoo-key" || !id.ReadOnly {
			t.Fatalf("a token that is not the issued one verified: %+v", id)
		}
	})
}

// FuzzRedirectAllowed: a redirect URI is allowed only when it equals a
// registered one, or is the same loopback http URI on another port: never
// another host, scheme or path (no open redirect).
func FuzzRedirectAllowed(f *testing.F) {
	c := Client{RedirectURIs: []string{"https://app.example/cb", "http://127.0.0.1:9/callback", "vscode://x/cb"}}
	for _, seed := range []string{"https://app.example/cb", "http://127.0.0.1:5555/callback", "http://127.0.0.1:5555/callback/../x",
		"https://app.example/cb@evil.example", "http://127.0.0.1@evil.example:9/callback", "http://localhost:9/callback", "vscode://x/cb"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, got string) {
		if !c.redirectAllowed(got) {
			return
		}
		for _, want := range c.RedirectURIs {
			if got == want {
				return
			}
		}
		u, err := url.Parse(got)
		if err != nil || u.Scheme != "http" || u.Hostname() != "127.0.0.1" || u.Path != "/callback" || u.RawQuery != "" || u.User != nil || u.Fragment != "" {
			t.Fatalf("allowed %q", got)
		}
	})
}
