package odoorpc

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/odoo-mcp/odoo-mcp/internal/jsonscan"
)

type namedList []any
type namedMap map[string]any
type marshals []any

func (marshals) MarshalJSON() ([]byte, error) { return []byte(`"custom"`), nil }

// appendJSON must write exactly what encoding/json writes: requests keep
// their bytes, whatever path encoded them.
func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	var allBytes strings.Builder
	for b := range 256 {
		allBytes.WriteByte(byte(b))
	}
	strs := []string{"", "plain", `quo"te`, `back\slash`, "<html>&amp;</html>", "tab\tnew\nline\r\b\f", "\x00\x01\x1f\x7f",
		"é ü 中文 🙂", "\u2028\u2029", "bad \xff\xfe utf8", allBytes.String(), strings.Repeat("x", 5000)}
	values := []any{
		nil, true, false, 0, -1, 42, int64(1) << 60, int32(-7), 3.5, 1e21, 1e-7, json.Number("12"), json.Number("-0.5e+10"),
		json.Number(""), []any{}, []any(nil), []string{}, []string(nil), []int64{1, 2}, []int64(nil), []int{3}, map[string]any{},
		map[string]any(nil), json.RawMessage(`{ "a" : [1, 2] }`), []byte("bytes"), struct{ A int }{1},
		namedList{"&", []any{"name", "ilike", "<acme>"}, []any{"id", "in", []any{json.Number("1"), json.Number("2")}}},
		namedMap{"b": 1, "a": namedList{"x"}}, marshals{1}, map[string]any{"nested": marshals{}},
		map[string]any{"domain": namedList{[]any{"is_company", "=", true}}, "fields": []string{"name", "email"}, "limit": 6,
			"context": map[string]any{"lang": "en_US", "tz": "Europe/Brussels"}, "z": nil, "": "empty key", "<k>": "html key"},
	}
	for _, s := range strs {
		values = append(values, s, []any{s}, map[string]any{s: s})
	}
	for _, v := range values {
		want, werr := json.Marshal(v)
		got, gerr := appendJSON(nil, v)
		if (werr == nil) != (gerr == nil) || werr == nil && !bytes.Equal(got, want) {
			t.Errorf("%#v:\n got %s (%v)\nwant %s (%v)", v, got, gerr, want, werr)
		}
	}
	// Random strings, valid UTF-8 or not.
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			if r.IntN(4) == 0 {
				b[i] = byte(r.IntN(256))
			} else {
				b[i] = byte(0x20 + r.IntN(0x60))
			}
		}
		s := string(b)
		if r.IntN(3) == 0 {
			s += string(rune(r.IntN(utf8.MaxRune)))
		}
		want, _ := json.Marshal(s)
		if got := jsonscan.AppendString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: got %s want %s", s, got, want)
		}
	}
	for _, n := range []string{"1", "-", "01", "1.", "1.5e", "1e+", "--1", "0x1", "1_000"} {
		_, werr := json.Marshal(json.Number(n))
		_, gerr := appendJSON(nil, json.Number(n))
		if (werr == nil) != (gerr == nil) {
			t.Errorf("json.Number(%q): got %v, encoding/json %v", n, gerr, werr)
		}
	}
}

// The object writer puts an extra key (the call's context) in its sorted
// place, replacing the map's own.
func TestAppendObjectExtraKey(t *testing.T) {
	m := map[string]any{"limit": 1, "context": "old", "domain": []any{}}
	got, err := appendObject(nil, m, "context", map[string]any{"lang": "fr_FR"})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(map[string]any{"limit": 1, "context": map[string]any{"lang": "fr_FR"}, "domain": []any{}})
	if !bytes.Equal(got, want) {
		t.Fatalf("got %s want %s", got, want)
	}
}
