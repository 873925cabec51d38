package odoorpc

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// searchReadResult is what Odoo answers the load benchmark's retriever call.
const searchReadResult = `[{"id":34,"name":"Acme Corporation","email":"info@acme.example.com","country_id":[128,"Liechtenstein"]},{"id":7,"name":"Azure Interior","email":"azure.Interior24@example.com","country_id":[233,"United States"]},{"id":35,"name":"Bergmann Logistik GmbH","email":"kontakt@bergmann.example.de","country_id":[57,"Germany"]},{"id":36,"name":"Chalet Mont-Blanc SA","email":"info@chalet-mb.example.ch","country_id":[43,"Switzerland"]},{"id":12,"name":"Deco Addict","email":"deco_addict@example.com","country_id":[233,"United States"]},{"id":10,"name":"Gemini Furniture","email":"gemini.furniture39@example.com","country_id":[233,"United States"]}]`

// cannedTransport reads the request and answers one fixed body.
type cannedTransport struct{ rpc, json2 string }

var jsonHeader = http.Header{"Content-Type": {"application/json"}}

func (c cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	io.Copy(io.Discard, r.Body)
	r.Body.Close()
	body := c.rpc
	if strings.HasPrefix(r.URL.Path, "/json/2/") {
		body = c.json2
	}
	return &http.Response{StatusCode: 200, Header: jsonHeader, Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
}

// benchCall is the retriever's search_read with the caller's context.
func benchCall() Call {
	return Call{Model: "res.partner", Method: "search_read",
		Kwargs: map[string]any{
			"domain": []any{[]any{"is_company", "=", true}},
			"fields": []string{"name", "email", "country_id"},
			"limit":  6,
		},
		Context: map[string]any{"lang": "en_US", "tz": "Europe/Brussels"},
	}
}

// BenchmarkExecute is one search_read through the client: request
// encoding, the HTTP client (over a canned transport, no network) and
// response decoding.
func BenchmarkExecute(b *testing.B) {
	for _, proto := range []Protocol{ProtocolJSONRPC, ProtocolJSON2} {
		b.Run(string(proto), func(b *testing.B) {
			t := cannedTransport{rpc: `{"jsonrpc": "2.0", "id": 1, "result": ` + searchReadResult + `}`, json2: searchReadResult}
			c, err := New(Config{URL: "http://odoo.test", DB: "odoo", Protocol: proto, HTTPClient: &http.Client{Transport: t}})
			if err != nil {
				b.Fatal(err)
			}
			cred := Credentials{UID: 2, Key: "2955d44b446523a716168d0191b5a504e98a7b74"}
			call := benchCall()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Execute(context.Background(), cred, call); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecodeResponse is the decoding of one search_read answer.
func BenchmarkDecodeResponse(b *testing.B) {
	b.Run("jsonrpc", func(b *testing.B) {
		body := []byte(`{"jsonrpc": "2.0", "id": 1, "result": ` + searchReadResult + `}`)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeRPC(200, body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json2", func(b *testing.B) {
		body := []byte(searchReadResult)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeJSON2(200, jsonHeader, body); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkEncodeRequest is the encoding of one search_read request body.
func BenchmarkEncodeRequest(b *testing.B) {
	call := benchCall()
	c := &Client{db: "odoo"}
	cred := Credentials{UID: 2, Key: "2955d44b446523a716168d0191b5a504e98a7b74"}
	buf := make([]byte, 0, 1024)
	b.Run("jsonrpc", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var err error
			if buf, err = c.appendExecuteKW(buf[:0], 1, cred, call); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json2", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			body, err := json2Body(call)
			if err != nil {
				b.Fatal(err)
			}
			if buf, err = appendJSON(buf[:0], body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		// For comparison: what json.Marshal of the same execute_kw costs.
		b.ReportAllocs()
		for b.Loop() {
			kwargs := map[string]any{"context": call.Context}
			for k, v := range call.Kwargs {
				kwargs[k] = v
			}
			if _, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "call", "id": 1, "params": map[string]any{
				"service": "object", "method": "execute_kw", "args": []any{c.db, cred.UID, cred.Key, call.Model, call.Method, []any{}, kwargs}}}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
