package main

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestChatReadSSE(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string // event=data
		err      bool
	}{
		{"events", "event: content\ndata: {\"text\":\"a\"}\n\nevent: done\ndata: {}\n\n", []string{`content={"text":"a"}`, "done={}"}, false},
		{"keep-alive comments are skipped", ": keep-alive\n\nevent: content\ndata: {}\n\n: keep-alive\n\n", []string{"content={}"}, false},
		{"CRLF and data without a space", "event: usage\r\ndata:{\"steps\":1}\r\n\r\n", []string{`usage={"steps":1}`}, false},
		{"data on several lines is joined by newlines", "event: x\ndata: a\ndata: b\n\n", []string{"x=a\nb"}, false},
		{"an event cut off before its blank line is dropped", "event: content\ndata: {}\n\nevent: done\ndata: {}", []string{"content={}"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			err := readSSE(strings.NewReader(tc.in), func(ev string, data []byte) { got = append(got, ev+"="+string(data)) })
			if (err != nil) != tc.err || strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("got %q %v, want %q", got, err, tc.want)
			}
		})
	}
	// A broken connection is an error.
	err := readSSE(io.MultiReader(strings.NewReader("event: content\n"), errReader{}), func(string, []byte) {})
	if err == nil {
		t.Error("a broken stream read as complete")
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

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
