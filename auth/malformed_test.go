package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

// A key or login with a control character can never be a real credential:
// it is refused as malformed (401), on every version and protocol, before
// Odoo is asked (the HTTP client would refuse to put it in a header, and
// that used to read as "Odoo unreachable").
func TestControlCharacterInCredentialIsMalformedWithoutAskingOdoo(t *testing.T) {
	setups := []struct {
		version  string
		protocol odoorpc.Protocol
	}{
		{"18.0", odoorpc.ProtocolJSONRPC},
		{"19.0", odoorpc.ProtocolJSONRPC},
		{"19.0", odoorpc.ProtocolJSON2},
	}
	var headers []string
	for _, c := range []string{"\n", "\r", "\x00", "\x7f", "\x1b"} {
		headers = append(headers,
			basic(fakeodoo.AdminLogin, fakeodoo.AdminKey+c),
			basic(fakeodoo.AdminLogin, fakeodoo.AdminKey[:10]+c+fakeodoo.AdminKey[10:]),
			basic(fakeodoo.AdminLogin+c, fakeodoo.AdminKey),
			"Bearer "+fakeodoo.AdminKey[:10]+c+fakeodoo.AdminKey[10:],
		)
	}
	for _, s := range setups {
		fake := fakeodoo.New(fakeodoo.Options{Version: s.version})
		srv := httptest.NewServer(fake)
		client, err := odoorpc.New(odoorpc.Config{URL: srv.URL, DB: fake.DB(), Protocol: s.protocol, Timeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		authn := NewAuthenticator(client, Options{})
		for i, h := range headers {
			t.Run(fmt.Sprintf("%s-%s-%d", s.version, s.protocol, i), func(t *testing.T) {
				fake.ResetCounters()
				_, err := authn.Authenticate(context.Background(), h)
				if !errors.Is(err, ErrMalformed) || errors.Is(err, odoorpc.ErrUnavailable) {
					t.Errorf("%q: got %v, want ErrMalformed", h, err)
				}
				if n := fake.Requests(); n != 0 {
					t.Errorf("%q: Odoo was asked %d times", h, n)
				}
			})
		}
		srv.Close()
	}
}
