package main

import (
	"testing"
)

func TestChatCompact(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"a\n  b\tc", 10, "a b c"},
		{"ééééé", 3, "ééé…"},
		{"short", 5, "short"},
	} {
		if got := compact(tc.in, tc.n); got != tc.want {
			t.Errorf("compact(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}
