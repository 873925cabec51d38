package requestid

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

func TestRequestIDValid(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want bool
	}{
		{"abc-123", true},
		{"Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8", true},
		{New(), true},
		{"", false},
		{"has space", false},
		{`quote"d`, false},
		{`back\slash`, false},
		{"new\nline", false},
		{"tab\there", false},
		{"é", false},
		{strings.Repeat("a", MaxLen), true},
		{strings.Repeat("a", MaxLen+1), false},
	} {
		if got := Valid(tc.id); got != tc.want {
			t.Errorf("Valid(%q) = %v, want %v", tc.id, got, tc.want)
		}
	}
}

func TestRequestIDHandler(t *testing.T) {
	ctx := With(context.Background(), "rid-1")
	for _, tc := range []struct {
		name string
		log  func(*slog.Logger)
		want string // request_id of the line, "" for none
	}{
		{"with the context", func(l *slog.Logger) { l.InfoContext(ctx, "m", "a", 1) }, "rid-1"},
		{"without a context", func(l *slog.Logger) { l.Info("m") }, ""},
		{"a context without id", func(l *slog.Logger) { l.InfoContext(context.Background(), "m") }, ""},
		{"the record's own id wins", func(l *slog.Logger) { l.InfoContext(ctx, "m", Key, "own") }, "own"},
		{"many attributes", func(l *slog.Logger) { l.InfoContext(ctx, "m", "a", 1, "b", 2, "c", 3, "d", 4, "e", 5, "f", 6) }, "rid-1"},
		{"through With", func(l *slog.Logger) { l.With("x", 1).InfoContext(ctx, "m") }, "rid-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			l := slog.New(Handler(Handler(slog.NewJSONHandler(&buf, nil))))
			tc.log(l)
			if n := strings.Count(buf.String(), `"`+Key+`"`); n > 1 {
				t.Fatalf("request_id %d times: %s", n, buf.String())
			}
			var line map[string]any
			if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
				t.Fatal(err)
			}
			got, _ := line[Key].(string)
			if got != tc.want {
				t.Errorf("request_id %q, want %q: %s", got, tc.want, buf.String())
			}
		})
	}
}
