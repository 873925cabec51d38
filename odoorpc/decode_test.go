package odoorpc

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// oldDecodeRPC is decodeRPC as it was: one json.Unmarshal into rpcResponse.
func oldDecodeRPC(body []byte) (json.RawMessage, error) {
	var resp rpcResponse
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, err
	}
	if resp.Error != nil {
		return nil, errors.New("error")
	}
	if resp.Result == nil {
		return jsonNull, nil
	}
	return resp.Result, nil
}

// The sliced result is what json.Unmarshal found, for every shape Odoo
// (or anything in front of it) may answer.
func TestDecodeRPCMatchesUnmarshal(t *testing.T) {
	bodies := []string{
		`{"jsonrpc":"2.0","id":1,"result":[{"id":34,"name":"Acme"}]}`,
		`{"jsonrpc": "2.0", "id": 1, "result": [{"id": 34, "name": "A \"quoted\" ] } name", "tags": [1, [2, {"x": "}"}]]}]}`,
		"{\n  \"result\" : 42 ,\n \"id\": null\n}\n",
		`{"jsonrpc":"2.0","id":1}`,
		`{"jsonrpc":"2.0","id":1,"result":null}`,
		`{"jsonrpc":"2.0","id":1,"result":false}`,
		`{"jsonrpc":"2.0","id":1,"result":"a\\\"b\\\\"}`,
		`{"jsonrpc":"2.0","id":1,"result":-1.5e3}`,
		`{"result":1,"result":2}`,
		`{"res\u0075lt":7}`,
		`{}`,
		`{"jsonrpc":"2.0","id":1,"result":{"a":{}},"extra":[]}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":200,"message":"Odoo Server Error","data":{"name":"odoo.exceptions.AccessError","message":"no"}}}`,
		`{"jsonrpc":"2.0","id":1,"result":[],"error":null}`,
		`[1,2]`,
		`"result"`,
	}
	for _, b := range bodies {
		want, werr := oldDecodeRPC([]byte(b))
		got, gerr := decodeRPC(200, []byte(b))
		if (werr == nil) != (gerr == nil) || werr == nil && !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %s (%v)\nwant %s (%v)", b, got, gerr, want, werr)
		}
	}
}

// FuzzRPCResult checks the sliced result against json.Unmarshal on
// arbitrary valid JSON.
func FuzzRPCResult(f *testing.F) {
	f.Add([]byte(`{"jsonrpc":"2.0","id":1,"result":[{"id":1,"name":"x ] }"}]}`))
	f.Add([]byte(`{"result" : {"a":"\"}"} , "id":[1,{"b":2}]}`))
	f.Add([]byte(`{"id":1}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if !json.Valid(body) {
			return
		}
		want, werr := oldDecodeRPC(body)
		got, gerr := decodeRPC(200, body)
		if (werr == nil) != (gerr == nil) || werr == nil && !bytes.Equal(got, want) {
			t.Fatalf("%s:\n got %s (%v)\nwant %s (%v)", body, got, gerr, want, werr)
		}
	})
}
