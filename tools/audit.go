package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"

	"github.com/odoo-mcp/odoo-mcp/internal/jsonscan"
)

// Audit is what one tool call touched, for the audit log line: the model
// and the record ids read or written. Values are never recorded.
type Audit struct {
	Model string
	IDs   []int64
}

type auditKey struct{}

// WithAudit returns a context in which the tool handler fills the returned
// Audit; the caller logs it after the call.
func WithAudit(ctx context.Context) (context.Context, *Audit) {
	a := &Audit{}
	return context.WithValue(ctx, auditKey{}, a), a
}

func auditOf(ctx context.Context) *Audit {
	a, _ := ctx.Value(auditKey{}).(*Audit)
	return a
}

func createdIDs(rs []createdRecord) []int64 {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

// recordIDs reads the id of each record. Odoo writes "id" first (with a
// space after the colon, as Python's json does; the fake writes none), so
// the fast path parses it straight from the bytes; anything else is decoded.
func recordIDs(records []json.RawMessage) []int64 {
	out := make([]int64, 0, len(records))
	for _, r := range records {
		if id, ok := leadingID(r); ok {
			out = append(out, id)
			continue
		}
		var row struct {
			ID int64 `json:"id"`
		}
		if json.Unmarshal(r, &row) == nil {
			out = append(out, row.ID)
		}
	}
	return out
}

// leadingID parses {"id": <integer> at the start of a record.
func leadingID(r []byte) (int64, bool) {
	i := jsonscan.SkipSpace(r, 0)
	if i >= len(r) || r[i] != '{' {
		return 0, false
	}
	i = jsonscan.SkipSpace(r, i+1)
	if !bytes.HasPrefix(r[i:], []byte(`"id"`)) {
		return 0, false
	}
	i = jsonscan.SkipSpace(r, i+4)
	if i >= len(r) || r[i] != ':' {
		return 0, false
	}
	i = jsonscan.SkipSpace(r, i+1)
	end := i
	for end < len(r) && (r[end] >= '0' && r[end] <= '9' || end == i && r[end] == '-') {
		end++
	}
	if end == i || end >= len(r) || r[end] != ',' && r[end] != '}' && r[end] != ' ' && r[end] != '\n' && r[end] != '\r' && r[end] != '\t' {
		return 0, false
	}
	id, err := strconv.ParseInt(string(r[i:end]), 10, 64)
	return id, err == nil
}
