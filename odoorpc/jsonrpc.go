package odoorpc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
)

var requestID atomic.Int64

type rpcRequest struct {
	JSONRPC string    `json:"jsonrpc"`
	Method  string    `json:"method"`
	ID      int64     `json:"id"`
	Params  rpcParams `json:"params"`
}

type rpcParams struct {
	Service string `json:"service"`
	Method  string `json:"method"`
	Args    []any  `json:"args"`
}

// rpcResponse keeps result raw: its absence (a method that returned None)
// leaves it nil, which Execute reports as JSON null.
type rpcResponse struct {
	Result json.RawMessage `json:"result"`
	Error  *rpcError       `json:"error"`
}

type rpcError struct {
	Code    int    `json:"code"` // 200 up to 18, 0 from 19: not to be relied on
	Message string `json:"message"`
	Data    struct {
		Name    string `json:"name"`
		Message string `json:"message"`
	} `json:"data"`
}

var jsonNull = json.RawMessage("null")

// jsonrpc calls service.method over /jsonrpc.
func (c *Client) jsonrpc(ctx context.Context, service, method string, args []any) (json.RawMessage, error) {
	req := rpcRequest{JSONRPC: "2.0", Method: "call", ID: requestID.Add(1),
		Params: rpcParams{Service: service, Method: method, Args: args}}
	status, _, body, err := c.post(ctx, "/jsonrpc", req, nil)
	if err != nil {
		return nil, err
	}
	return decodeRPC(status, body)
}

// decodeRPC turns a /jsonrpc answer into its result or a typed error.
func decodeRPC(status int, body []byte) (json.RawMessage, error) {
	if status != http.StatusOK {
		return nil, fmt.Errorf("%w: /jsonrpc answered HTTP %d: %s", ErrProtocol, status, snippet(body))
	}
	var resp rpcResponse
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, fmt.Errorf("%w: /jsonrpc answered with invalid JSON: %v", ErrProtocol, err)
	}
	if resp.Error != nil {
		name, msg := resp.Error.Data.Name, resp.Error.Data.Message
		if name == "" {
			// Errors raised by the HTTP layer (404, session expired) have no data.
			return nil, &Error{Kind: ErrServer, Name: fmt.Sprint(resp.Error.Code), Message: cleanMessage(resp.Error.Message)}
		}
		return nil, classify(name, msg, 0)
	}
	if resp.Result == nil {
		return jsonNull, nil
	}
	return resp.Result, nil
}

// executeKW runs a Call through object.execute_kw. Record methods take the
// ids as their first positional argument.
func (c *Client) executeKW(ctx context.Context, cred Credentials, call Call) (json.RawMessage, error) {
	positional := make([]any, 0, len(call.Args)+1)
	if call.IDs != nil {
		positional = append(positional, call.IDs)
	}
	positional = append(positional, call.Args...)
	kwargs := call.Kwargs
	if len(call.Context) > 0 {
		kwargs = make(map[string]any, len(call.Kwargs)+1)
		for k, v := range call.Kwargs {
			kwargs[k] = v
		}
		kwargs["context"] = call.Context
	}
	if kwargs == nil {
		kwargs = map[string]any{}
	}
	return c.jsonrpc(ctx, "object", "execute_kw",
		[]any{c.db, cred.UID, cred.Key, call.Model, call.Method, positional, kwargs})
}

func snippet(b []byte) string {
	b = bytes.TrimSpace(b)
	const max = 120
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}
