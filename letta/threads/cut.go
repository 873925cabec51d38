package threads

import (
	"encoding/json"
	"fmt"
	"strings"
)

// cutResult makes a tool result fit in limit characters as valid JSON, with
// a note saying how to get the rest. Letta cuts longer client-tool results
// itself, in the middle of the JSON and without a word. A result with a
// "records" list (the retriever) keeps as many whole records as fit, with
// has_more and next_offset set; anything else becomes
// {"truncated":true,"note":…,"partial":"<the start of the result>"}.
func cutResult(text string, limit int) string {
	if len(text) <= limit {
		return text
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal([]byte(text), &obj) == nil {
		var records []json.RawMessage
		if raw, ok := obj["records"]; ok && json.Unmarshal(raw, &records) == nil && len(records) > 0 {
			if out, ok := cutRecords(obj, records, len(text), limit); ok {
				return out
			}
		}
	}
	note := fmt.Sprintf("the result was %d characters, more than the %d a tool result may have here; only its start is in \"partial\". Ask for less: fewer fields, a smaller limit, a narrower domain.", len(text), limit)
	lo, hi := 0, min(len(text), limit)
	best := `{"truncated":true,"note":` + quote(note) + `,"partial":""}`
	for lo <= hi { // longest prefix whose encoding fits
		mid := (lo + hi) / 2
		b, _ := json.Marshal(map[string]any{"truncated": true, "note": note, "partial": strings.ToValidUTF8(text[:mid], "")})
		if len(b) <= limit {
			best, lo = string(b), mid+1
		} else {
			hi = mid - 1
		}
	}
	return best
}

func cutRecords(obj map[string]json.RawMessage, records []json.RawMessage, total, limit int) (string, bool) {
	var offset int
	_ = json.Unmarshal(obj["offset"], &offset)
	build := func(k int) []byte {
		out := make(map[string]any, len(obj)+2)
		for key, v := range obj {
			out[key] = v
		}
		out["records"] = records[:k]
		out["count"] = k
		out["has_more"] = true
		out["next_offset"] = offset + k
		out["truncated"] = true
		out["note"] = fmt.Sprintf("only %d of the %d records read fit in a tool result here (%d characters at most; the whole result was %d): call again with offset %d for the rest, or ask for fewer fields or a smaller limit",
			k, len(records), limit, total, offset+k)
		b, _ := json.Marshal(out)
		return b
	}
	lo, hi, best := 0, len(records)-1, -1
	for lo <= hi {
		mid := (lo + hi) / 2
		if len(build(mid)) <= limit {
			best, lo = mid, mid+1
		} else {
			hi = mid - 1
		}
	}
	if best < 0 {
		return "", false
	}
	return string(build(best)), true
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
