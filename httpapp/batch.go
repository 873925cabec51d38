package httpapp

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/odoo-mcp/odoo-mcp/internal/httperr"
)

// MaxBatch is the most JSON-RPC messages one POST may carry. The SDK
// accepts batches from clients of protocol 2025-03-26 (or that send no
// MCP-Protocol-Version): without a cap, one request within the body limit
// could hold thousands of tool calls, each with its Odoo requests. Real
// clients batch a handful at most.
const MaxBatch = 10

// batchSize reports how many JSON-RPC messages r carries (1 for anything
// but a POST whose body is a JSON array), so that the rate limit counts
// each. Only a batch is read whole (within the body limit, and put back
// for the SDK); another body is only peeked at. A batch over MaxBatch is
// answered here with a JSON-RPC error, and ok is false.
func (e *edge) batchSize(w http.ResponseWriter, r *http.Request) (n int, ok bool) {
	if r.Method != http.MethodPost || r.Body == nil || r.Body == http.NoBody {
		return 1, true
	}
	br := bufio.NewReaderSize(r.Body, 16)
	r.Body = readCloser{br, r.Body}
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 1, true // empty or unreadable: the SDK answers it
		}
		if b == ' ' || b == '\t' || b == '\r' || b == '\n' {
			continue
		}
		br.UnreadByte()
		if b != '[' {
			return 1, true
		}
		break
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, e.maxBody))
	r.Body.Close()
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			httperr.Write(w, httperr.Answer{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large", Message: fmt.Sprintf("request body exceeds %d bytes", mbe.Limit)})
		} else {
			httperr.Write(w, httperr.Answer{Status: http.StatusBadRequest, Code: "bad_request", Message: "could not read the request body"})
		}
		return 0, false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var msgs []json.RawMessage
	if json.Unmarshal(body, &msgs) != nil {
		return 1, true // malformed: the SDK refuses it
	}
	if len(msgs) > MaxBatch {
		writeRPCError(w, http.StatusBadRequest, -32600,
			fmt.Sprintf("a batch may hold at most %d messages, this one has %d: send them in several requests", MaxBatch, len(msgs)))
		return 0, false
	}
	return max(1, len(msgs)), true
}

type readCloser struct {
	io.Reader
	io.Closer
}

// writeRPCError answers with a JSON-RPC error that belongs to no request
// (id null), as JSON-RPC does for a request it could not take apart.
func writeRPCError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": nil, "error": map[string]any{"code": code, "message": msg}})
}
