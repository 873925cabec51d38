package odoorpc

import (
	"context"
	"errors"
	"net/http"
	"testing"
)

// Defence in depth: a key that cannot travel in a header is the caller's
// bad credential, not Odoo being unreachable, and nothing is sent.
func TestKeyThatCannotBeAHeaderIsAccessDenied(t *testing.T) {
	for _, key := range []string{"abc\ndef", "abc\rdef", "abc\x00def", "abc\x7fdef"} {
		sent := 0
		c := newTestClient(t, ProtocolJSON2, func(w http.ResponseWriter, r *http.Request) {
			sent++
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"uid": 2}`))
		})
		_, _, err := c.WhoAmI(context.Background(), key)
		if !errors.Is(err, ErrAccessDenied) || errors.Is(err, ErrUnavailable) {
			t.Errorf("WhoAmI(%q): %v, want ErrAccessDenied", key, err)
		}
		_, err = c.Execute(context.Background(), Credentials{UID: 2, Key: key}, Call{Model: "res.partner", Method: "search_read"})
		if !errors.Is(err, ErrAccessDenied) || errors.Is(err, ErrUnavailable) {
			t.Errorf("Execute(%q): %v, want ErrAccessDenied", key, err)
		}
		if sent != 0 {
			t.Errorf("%q: %d requests sent", key, sent)
		}
	}
}
