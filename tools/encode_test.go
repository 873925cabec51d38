package tools

import (
	"bytes"
	"encoding/json"
	"testing"
)

var arrays = []string{
	`[]`, ` [ ] `, `[1]`, `[{"id":1,"name":"x"}]`,
	`[{"id": 34, "name": "A \"quoted\" ] }, name", "tags": [1, [2, {"x": "}"}]]}, {"id": 7}]`,
	"[\n  {\"a\" : null} ,\n  \"s\\\\\" , true, -1.5e3, [ ] , {}\n]\n",
	`[{"html":"<b>&amp;</b>","ls":"a` + "\u2028" + `b` + "\u2029" + `"}]`,
	`[{"esc":"\u003c\\u2028\\\\"}]`, `[null,false,"é 中"]`, `null`, ` null `,
}

// splitArray finds the same elements json.Unmarshal does.
func TestSplitArrayMatchesUnmarshal(t *testing.T) {
	for _, a := range arrays {
		checkSplit(t, []byte(a))
	}
	for _, bad := range []string{`{}`, `"x"`, `[1,`, `[{"a":1}`, ``} {
		if _, err := splitArray([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func checkSplit(t *testing.T, raw []byte) {
	t.Helper()
	var want []json.RawMessage
	if err := json.Unmarshal(raw, &want); err != nil {
		if _, err := splitArray(raw); err == nil && json.Valid(raw) {
			t.Fatalf("%s: split a non-array", raw)
		}
		return
	}
	got, err := splitArray(raw)
	if err != nil || len(got) != len(want) {
		t.Fatalf("%s: got %q (%v), want %q", raw, got, err, want)
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("%s: element %d: got %s want %s", raw, i, got[i], want[i])
		}
	}
}

// The hand-written result is byte for byte json.Marshal's.
func TestRetrieverResultJSONMatchesMarshal(t *testing.T) {
	next := 5
	for _, a := range arrays {
		records, err := splitArray([]byte(a))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []retrieverResult{
			{Model: "res.partner", Records: records, Count: len(records), Limit: 5, HasMore: true, NextOffset: &next, Fields: []string{"name", "<b>"}},
			{Model: "x<&>\u2028", Records: records, Offset: 10, Note: "limit 5000 lowered to the server maximum 1000"},
			{Records: []json.RawMessage{nil, json.RawMessage(`1`)}, Fields: []string{}},
		} {
			want, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.appendJSON(nil); !bytes.Equal(got, want) {
				t.Errorf("\n got %s\nwant %s", got, want)
			}
		}
	}
}

func FuzzRetrieverResultJSON(f *testing.F) {
	for _, a := range arrays {
		f.Add([]byte(a), "res.partner", "name")
	}
	f.Fuzz(func(t *testing.T, raw []byte, model, field string) {
		if !json.Valid(raw) {
			return
		}
		checkSplit(t, raw)
		records, err := splitArray(raw)
		if err != nil {
			return
		}
		r := retrieverResult{Model: model, Records: records, Count: len(records), Fields: []string{field}, Note: field}
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.appendJSON(nil); !bytes.Equal(got, want) {
			t.Fatalf("\n got %s\nwant %s", got, want)
		}
	})
}

// Record ids for the audit line come from the bytes, compact (the fake) or
// spaced (Python's json, real Odoo), as decoding would find them.
func TestRecordIDs(t *testing.T) {
	records := []json.RawMessage{
		json.RawMessage(`{"id":34,"name":"x"}`), json.RawMessage(`{"id": 7, "name": "y"}`),
		json.RawMessage("{\n \"id\" : 12 }"), json.RawMessage(`{"name":"z","id":5}`),
		json.RawMessage(`{"id":-3}`), json.RawMessage(`{"id":1.5}`), json.RawMessage(`{"idx":1,"id":9}`),
	}
	got := recordIDs(records)
	want := []int64{34, 7, 12, 5, -3, 9}
	if len(got) != len(want) {
		t.Fatalf("got %v want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v want %v", got, want)
		}
	}
}
