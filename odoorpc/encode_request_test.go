package odoorpc

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// captureTransport keeps request bodies and answers an empty result.
type captureTransport struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (c *captureTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	c.mu.Lock()
	c.bodies = append(c.bodies, b)
	c.mu.Unlock()
	body := `{"jsonrpc":"2.0","id":1,"result":[]}`
	if strings.HasPrefix(r.URL.Path, "/json/2/") {
		body = `[]`
	}
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
}

// oldRPCBody is how requests were encoded before appendJSON: json.Encoder
// over these structs.
func oldRPCBody(id int64, service, method string, args []any) []byte {
	type params struct {
		Service string `json:"service"`
		Method  string `json:"method"`
		Args    []any  `json:"args"`
	}
	type request struct {
		JSONRPC string `json:"jsonrpc"`
		Method  string `json:"method"`
		ID      int64  `json:"id"`
		Params  params `json:"params"`
	}
	var buf bytes.Buffer
	json.NewEncoder(&buf).Encode(request{"2.0", "call", id, params{service, method, args}})
	return buf.Bytes()
}

var idPattern = regexp.MustCompile(`"id":(\d+)`)

// Requests are byte for byte what encoding/json wrote before.
func TestRequestBytesUnchanged(t *testing.T) {
	for _, proto := range []Protocol{ProtocolJSONRPC, ProtocolJSON2} {
		ct := &captureTransport{}
		c, err := New(Config{URL: "http://odoo.test", DB: "db<&>", Protocol: proto, HTTPClient: &http.Client{Transport: ct}})
		if err != nil {
			t.Fatal(err)
		}
		cred := Credentials{UID: 7, Key: "k\"ey"}
		calls := []Call{
			{Model: "res.partner", Method: "search_read", Kwargs: map[string]any{"domain": []any{[]any{"name", "ilike", "<a&b>"}}, "fields": []string{"name"}, "limit": 6}},
			{Model: "res.partner", Method: "search_read", Kwargs: map[string]any{"domain": []any{}, "limit": 1}, Context: map[string]any{"lang": "fr_FR", "tz": "Europe/Brussels"}},
			{Model: "res.partner", Method: "read", IDs: []int64{1, 2}, Args: []any{[]string{"name"}}},
			{Model: "res.partner", Method: "write", IDs: []int64{}, Args: []any{map[string]any{"name": "é\u2028", "phone": nil, "x": 1.5}}},
			{Model: "res.partner", Method: "check_access_rights", Args: []any{"read", false}},
			{Model: "res.partner", Method: "fields_get", Kwargs: nil, Context: map[string]any{"lang": "en_US"}},
			{Model: "res.partner", Method: "name_search", Kwargs: map[string]any{"name": "x", "context": map[string]any{"old": true}}, Context: map[string]any{"lang": "nl_BE"}},
		}
		for _, call := range calls {
			if proto == ProtocolJSON2 && call.Method == "check_access_rights" {
				continue // positional arguments of a non-ORM method: refused over JSON-2
			}
			ct.bodies = nil
			if _, err := c.Execute(context.Background(), cred, call); err != nil {
				t.Fatalf("%s %s: %v", proto, call.Method, err)
			}
			got := ct.bodies[0]
			var want []byte
			if proto == ProtocolJSONRPC {
				m := idPattern.FindSubmatch(got)
				if m == nil {
					t.Fatalf("no id in %s", got)
				}
				var id int64
				json.Unmarshal(m[1], &id)
				positional := []any{}
				if call.IDs != nil {
					positional = append(positional, call.IDs)
				}
				positional = append(positional, call.Args...)
				kwargs := call.Kwargs
				if len(call.Context) > 0 {
					kwargs = map[string]any{}
					for k, v := range call.Kwargs {
						kwargs[k] = v
					}
					kwargs["context"] = call.Context
				}
				if kwargs == nil {
					kwargs = map[string]any{}
				}
				want = oldRPCBody(id, "object", "execute_kw", []any{c.db, cred.UID, cred.Key, call.Model, call.Method, positional, kwargs})
			} else {
				body := map[string]any{}
				for k, v := range call.Kwargs {
					body[k] = v
				}
				if err := nameArguments(call, body); err != nil {
					t.Fatal(err)
				}
				if call.IDs != nil {
					body["ids"] = call.IDs
				}
				if len(call.Context) > 0 {
					body["context"] = call.Context
				}
				var buf bytes.Buffer
				json.NewEncoder(&buf).Encode(body)
				want = buf.Bytes()
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s %s:\n got %s\nwant %s", proto, call.Method, got, want)
			}
		}
	}
	// common.* calls too.
	ct := &captureTransport{}
	c, _ := New(Config{URL: "http://odoo.test", DB: "db", HTTPClient: &http.Client{Transport: ct}})
	c.Authenticate(context.Background(), "admin", "key")
	m := idPattern.FindSubmatch(ct.bodies[0])
	var id int64
	json.Unmarshal(m[1], &id)
	if want := oldRPCBody(id, "common", "authenticate", []any{"db", "admin", "key", map[string]any{}}); !bytes.Equal(ct.bodies[0], want) {
		t.Errorf("authenticate:\n got %s\nwant %s", ct.bodies[0], want)
	}
}
