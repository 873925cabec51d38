package odoorpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/odoo-mcp/odoo-mcp/internal/jsonscan"
)

var requestID atomic.Int64

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
	start := time.Now()
	raw, err := c.rpc(ctx, func(dst []byte, id int64) ([]byte, error) {
		dst = appendEnvelope(dst, id, service, method)
		dst, err := appendJSON(dst, args)
		return append(dst, "}}"...), err
	})
	c.observed(service+"."+method, start, err)
	return raw, err
}

// rpc posts the request encode writes with a new request id.
func (c *Client) rpc(ctx context.Context, encode func(dst []byte, id int64) ([]byte, error)) (json.RawMessage, error) {
	id := requestID.Add(1)
	status, header, body, err := c.post(ctx, "/jsonrpc", func(dst []byte) ([]byte, error) { return encode(dst, id) }, nil)
	if err != nil {
		return nil, err
	}
	raw, err := decodeRPC(status, body)
	if err != nil && (status != http.StatusOK || !isJSON(header)) {
		// Odoo answers /jsonrpc with 200 and JSON, errors included:
		// anything else is another server at ODOO_URL.
		var oe *Error
		if !errors.As(err, &oe) {
			return nil, newNotOdooError("POST /jsonrpc", status, header, body)
		}
	}
	return raw, err
}

// appendEnvelope writes a JSON-RPC request up to its arguments:
// {"jsonrpc":"2.0","method":"call","id":N,"params":{"service":...,
// "method":...,"args": (encoding/json's bytes for the struct it once was).
// The caller closes it with "}}".
func appendEnvelope(dst []byte, id int64, service, method string) []byte {
	dst = append(dst, `{"jsonrpc":"2.0","method":"call","id":`...)
	dst = strconv.AppendInt(dst, id, 10)
	dst = append(dst, `,"params":{"service":`...)
	dst = jsonscan.AppendString(dst, service)
	dst = append(dst, `,"method":`...)
	dst = jsonscan.AppendString(dst, method)
	return append(dst, `,"args":`...)
}

// decodeRPC turns a /jsonrpc answer into its result or a typed error.
func decodeRPC(status int, body []byte) (json.RawMessage, error) {
	if status != http.StatusOK {
		return nil, fmt.Errorf("%w: /jsonrpc answered HTTP %d: %s", ErrProtocol, status, snippet(body))
	}
	// A success is sliced out of the (validated) body: decoding it into a
	// RawMessage scanned it twice and copied the result.
	if json.Valid(body) {
		if result, found, ok := rpcResult(body); ok {
			if !found {
				return jsonNull, nil
			}
			return result, nil
		}
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

// executeKW runs a Call through object.execute_kw.
func (c *Client) executeKW(ctx context.Context, cred Credentials, call Call) (json.RawMessage, error) {
	return c.rpc(ctx, func(dst []byte, id int64) ([]byte, error) { return c.appendExecuteKW(dst, id, cred, call) })
}

// appendExecuteKW writes the execute_kw request of call: args are [db,
// uid, key, model, method, positional, kwargs]. Record methods take the
// ids as their first positional argument; the context goes into kwargs.
func (c *Client) appendExecuteKW(dst []byte, id int64, cred Credentials, call Call) ([]byte, error) {
	dst = appendEnvelope(dst, id, "object", "execute_kw")
	dst = append(dst, '[')
	dst = jsonscan.AppendString(dst, c.db)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, cred.UID, 10)
	dst = append(dst, ',')
	dst = jsonscan.AppendString(dst, cred.Key)
	dst = append(dst, ',')
	dst = jsonscan.AppendString(dst, call.Model)
	dst = append(dst, ',')
	dst = jsonscan.AppendString(dst, call.Method)
	dst = append(dst, ",["...)
	n := 0
	if call.IDs != nil {
		dst, _ = appendJSON(dst, call.IDs)
		n++
	}
	for _, a := range call.Args {
		if n > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = appendJSON(dst, a); err != nil {
			return dst, err
		}
		n++
	}
	dst = append(dst, "],"...)
	var err error
	switch {
	case len(call.Context) > 0:
		dst, err = appendObject(dst, call.Kwargs, "context", call.Context)
	case call.Kwargs == nil:
		dst = append(dst, "{}"...)
	default:
		dst, err = appendObject(dst, call.Kwargs, "", nil)
	}
	return append(dst, "]}}"...), err
}

func snippet(b []byte) string { return excerpt(b, 120) }
