package tools

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/odoo-mcp/odoo-mcp/internal/jsonscan"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

// The retriever's result is written by hand: decoding Odoo's records into
// []json.RawMessage and marshalling them back scanned every record three
// times. The bytes are exactly encoding/json's (tested).

// jsonAppender is a result that writes its own JSON, as json.Marshal would.
type jsonAppender interface {
	appendJSON(dst []byte) []byte
}

// splitArray returns the elements of the JSON array raw, as sub-slices.
// raw must be valid JSON, as odoorpc returns every answer (it checks);
// null is no elements, a value that is not an array is an error.
func splitArray(raw []byte) ([]json.RawMessage, error) {
	i := jsonscan.SkipSpace(raw, 0)
	if i < len(raw) && raw[i] == 'n' && string(raw[i:jsonscan.SkipValue(raw, i)]) == "null" {
		return nil, nil // as json.Unmarshal: no records
	}
	if i >= len(raw) || raw[i] != '[' {
		return nil, fmt.Errorf("%w: expected a list of records", odoorpc.ErrProtocol)
	}
	out := make([]json.RawMessage, 0, 8)
	i = jsonscan.SkipSpace(raw, i+1)
	if i < len(raw) && raw[i] == ']' {
		return out, nil
	}
	for i < len(raw) {
		end := jsonscan.SkipValue(raw, i)
		if end < 0 {
			return nil, fmt.Errorf("%w: truncated list of records", odoorpc.ErrProtocol)
		}
		out = append(out, raw[i:end:end])
		i = jsonscan.SkipSpace(raw, end)
		if i >= len(raw) {
			break
		}
		switch raw[i] {
		case ',':
			i = jsonscan.SkipSpace(raw, i+1)
		case ']':
			return out, nil
		default:
			return nil, fmt.Errorf("%w: malformed list of records", odoorpc.ErrProtocol)
		}
	}
	return nil, fmt.Errorf("%w: truncated list of records", odoorpc.ErrProtocol)
}

func appendStrings(dst []byte, list []string) []byte {
	if list == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, s := range list {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonscan.AppendString(dst, s)
	}
	return append(dst, ']')
}

// appendJSON writes r as json.Marshal does, field by field.
func (r retrieverResult) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"model":`...)
	dst = jsonscan.AppendString(dst, r.Model)
	dst = append(dst, `,"records":`...)
	if r.Records == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i, rec := range r.Records {
			if i > 0 {
				dst = append(dst, ',')
			}
			if rec == nil {
				dst = append(dst, "null"...)
			} else {
				dst = jsonscan.AppendCompact(dst, rec)
			}
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `,"count":`...)
	dst = strconv.AppendInt(dst, int64(r.Count), 10)
	dst = append(dst, `,"offset":`...)
	dst = strconv.AppendInt(dst, int64(r.Offset), 10)
	dst = append(dst, `,"limit":`...)
	dst = strconv.AppendInt(dst, int64(r.Limit), 10)
	dst = append(dst, `,"has_more":`...)
	dst = strconv.AppendBool(dst, r.HasMore)
	if r.NextOffset != nil {
		dst = append(dst, `,"next_offset":`...)
		dst = strconv.AppendInt(dst, int64(*r.NextOffset), 10)
	}
	dst = append(dst, `,"fields":`...)
	dst = appendStrings(dst, r.Fields)
	if r.Note != "" {
		dst = append(dst, `,"note":`...)
		dst = jsonscan.AppendString(dst, r.Note)
	}
	return append(dst, '}')
}
