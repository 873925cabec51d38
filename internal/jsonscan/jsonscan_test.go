package jsonscan

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestSkipValue(t *testing.T) {
	for _, v := range []string{`1`, `-2.5e3`, `"a\"b"`, `true`, `null`, `[]`, `{}`, `[1,[2,{"a":"]"}]]`, `{"k":{"x":[1,2]},"y":"}"}`} {
		doc := v + ` ,`
		if end := SkipValue([]byte(doc), 0); end != len(v) {
			t.Errorf("%s: end %d, want %d", v, end, len(v))
		}
	}
	if end := SkipValue([]byte(`[1,2`), 0); end != -1 {
		t.Errorf("cut array: %d", end)
	}
	if i := SkipSpace([]byte(" \t\r\nx"), 0); i != 4 {
		t.Errorf("SkipSpace: %d", i)
	}
}

func TestAppendMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", "quo\"te", "back\\slash", "<tag>&", "\u2028\u2029", "\x00\x1f", "é漢字", "bad\xffutf8"} {
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("%q: %s, want %s", s, got, want)
		}
	}
	for _, raw := range []string{`{ "a" : [1, 2] , "b":"<x> & \u2028" }`, ` [ ] `, `"s p a c e"`} {
		want, _ := json.Marshal(json.RawMessage(raw))
		if got := AppendCompact(nil, []byte(raw)); !bytes.Equal(got, want) {
			t.Errorf("%s: %s, want %s", raw, got, want)
		}
	}
}
