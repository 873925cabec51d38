package pyrepr

import "testing"

func TestStr(t *testing.T) {
	for in, want := range map[string]string{
		"abc":        `'abc'`,
		"it's":       `"it's"`,
		`say "hi"`:   `'say "hi"'`,
		`both ' "`:   `'both \' "'`,
		"a\\b":       `'a\\b'`,
		"l1\nl2\t\r": `'l1\nl2\t\r'`,
		"\x01\x7f":   `'\x01\x7f'`,
		"café":       `'café'`,
	} {
		if got := Str(in); got != want {
			t.Errorf("Str(%q) = %s, want %s", in, got, want)
		}
	}
}
