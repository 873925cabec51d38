package odoorpc

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// FuzzDecodeRPC feeds arbitrary /jsonrpc answers to the decoder. Whatever
// Odoo (or something pretending to be Odoo) sends, the result is valid JSON
// or a typed error, never a panic, and no traceback survives into an error.
func FuzzDecodeRPC(f *testing.F) {
	for _, seed := range []string{
		`{"jsonrpc":"2.0","id":1,"result":[{"id":1,"name":"x"}]}`,
		`{"jsonrpc": "2.0", "id": 33}`,
		rpcErrorBody(200, "odoo.exceptions.AccessError", "You are not allowed\n\nThis operation is allowed for the following groups"),
		rpcErrorBody(0, "builtins.ValueError", "Invalid leaf ('name', 'bogus_op', 'x')"),
		rpcErrorBody(0, "psycopg2.OperationalError", `connection to server at "127.0.0.1", port 5432 failed: FATAL:  database "x" does not exist`),
		`{"jsonrpc":"2.0","id":1,"error":{"code":404,"message":"404: Not Found"}}`,
		`<!DOCTYPE html><title>502</title>`,
		`{"result":`, `null`, `[]`, `{"error":null,"result":null}`,
	} {
		f.Add(200, []byte(seed))
	}
	f.Add(400, []byte("Invalid JSON data"))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		raw, err := decodeRPC(status, body)
		if err == nil {
			if !json.Valid(raw) {
				t.Fatalf("result is not JSON: %q", raw)
			}
			return
		}
		var oe *Error
		if !errors.As(err, &oe) && !errors.Is(err, ErrProtocol) {
			t.Fatalf("untyped error %T: %v", err, err)
		}
		if oe != nil && (oe.Kind == nil || strings.Contains(oe.Message, "Traceback (most recent call last)")) {
			t.Fatalf("bad *Error: %+v", oe)
		}
	})
}

// FuzzDecodeJSON2 does the same for JSON-2 answers, any status and content type.
func FuzzDecodeJSON2(f *testing.F) {
	for _, seed := range []struct {
		status int
		ct     string
		body   string
	}{
		{200, "application/json", `[{"id":1}]`},
		{200, "application/json", `null`},
		{401, "application/json", `{"name":"werkzeug.exceptions.Unauthorized","message":"Invalid apikey","arguments":["Invalid apikey",401],"context":{},"debug":"Traceback (most recent call last):\n..."}`},
		{404, "text/html", `<!DOCTYPE html><title>404 Not Found</title>`},
		{422, "application/json", `{"name":"odoo.exceptions.ValidationError","message":"Contacts require a name"}`},
		{303, "text/html", `<a href="/web/login">`},
		{500, "application/json", `{"name":`},
	} {
		f.Add(seed.status, seed.ct, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		h := http.Header{}
		h.Set("Content-Type", contentType)
		raw, err := decodeJSON2(status, h, body)
		if err == nil {
			if status != http.StatusOK || !json.Valid(raw) {
				t.Fatalf("accepted status %d body %q", status, raw)
			}
			return
		}
		var oe *Error
		if !errors.As(err, &oe) && !errors.Is(err, ErrProtocol) {
			t.Fatalf("untyped error %T: %v", err, err)
		}
		if oe != nil && strings.Contains(oe.Error(), "Traceback (most recent call last)") {
			t.Fatalf("traceback leaked: %v", oe)
		}
	})
}
