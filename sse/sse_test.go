package sse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// readAll reads every event of in, as type=data (#comment, ~ for an
// unterminated event), and the error that ended it.
func readAll(in io.Reader, opts Options) ([]string, error) {
	r := NewReader(in, opts)
	var got []string
	for {
		ev, err := r.Next()
		if err != nil {
			return got, err
		}
		switch {
		case ev.IsComment():
			got = append(got, "#"+string(ev.Comment))
		case ev.Unterminated:
			got = append(got, "~"+ev.Type+"="+string(ev.Data))
		default:
			got = append(got, ev.Type+"="+string(ev.Data))
		}
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestReader(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		opts     Options
		want     []string
		err      error
	}{
		{"named events", "event: content\ndata: {\"text\":\"a\"}\n\nevent: done\ndata: {}\n\n", Options{}, []string{`content={"text":"a"}`, "done={}"}, io.EOF},
		{"unnamed events (Letta)", "data: {\"a\":1}\n\ndata: [DONE]\n\n", Options{}, []string{`={"a":1}`, "=[DONE]"}, io.EOF},
		{"keep-alive comments are skipped", ": keep-alive\n\nevent: content\ndata: {}\n\n: keep-alive\n\n", Options{}, []string{"content={}"}, io.EOF},
		{"comments on request", ": keep-alive\n\n:\n\ndata: x\n\n", Options{Comments: true}, []string{"#keep-alive", "#", "=x"}, io.EOF},
		{"CRLF and fields without a space", "event:usage\r\ndata:{\"steps\":1}\r\n\r\n", Options{}, []string{`usage={"steps":1}`}, io.EOF},
		{"only one space is removed", "event:  x\ndata:  a\n\n", Options{}, []string{" x= a"}, io.EOF},
		{"data on several lines is joined by newlines", "event: x\ndata: a\ndata: b\n\n", Options{}, []string{"x=a\nb"}, io.EOF},
		{"an empty data line is an event", "data:\n\ndata\n\n", Options{}, []string{"=", "="}, io.EOF},
		{"an event without data is not one", "event: x\n\ndata: y\n\n", Options{}, []string{"=y"}, io.EOF},
		{"id, retry and unknown fields are skipped", "id: 7\nretry: 10\nfoo: bar\ndata: y\n\n", Options{}, []string{"=y"}, io.EOF},
		{"blank lines between events", "\n\n\ndata: a\n\n\n\ndata: b\n\n", Options{}, []string{"=a", "=b"}, io.EOF},
		{"an event cut off before its blank line is marked", "event: content\ndata: {}\n\nevent: done\ndata: {}", Options{}, []string{"content={}", "~done={}"}, io.EOF},
		{"a cut after the data line's newline", "data: [DONE]\n", Options{}, []string{"~=[DONE]"}, io.EOF},
		{"a cut event name alone is nothing", "data: a\n\nevent: x", Options{}, []string{"=a"}, io.EOF},
		{"a comment at the very end", "data: a\n\n: bye", Options{Comments: true}, []string{"=a", "#bye"}, io.EOF},
		{"empty stream", "", Options{}, nil, io.EOF},
		{"a line over the bound", "data: a\n\ndata: " + strings.Repeat("x", 100) + "\n\n", Options{MaxLine: 50}, []string{"=a"}, ErrLineTooLong},
		{"a line at the bound", "data: " + strings.Repeat("x", 44) + "\n\n", Options{MaxLine: 50}, []string{"=" + strings.Repeat("x", 44)}, io.EOF},
		{"a line over the buffer", "data: " + strings.Repeat("x", 200<<10) + "\r\n\r\n", Options{}, []string{"=" + strings.Repeat("x", 200<<10)}, io.EOF},
		{"a line over the buffer and the bound", "data: " + strings.Repeat("x", 200<<10) + "\n\n", Options{MaxLine: 100 << 10}, nil, ErrLineTooLong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAll(strings.NewReader(tc.in), tc.opts)
			if !errors.Is(err, tc.err) || strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("got %.200q %v, want %.200q %v", got, err, tc.want, tc.err)
			}
		})
	}
}

func TestReaderBrokenStream(t *testing.T) {
	r := NewReader(io.MultiReader(strings.NewReader("event: content\ndata: {}\n\nevent: x\ndata: partial\n"), errReader{}), Options{})
	if ev, err := r.Next(); err != nil || ev.Type != "content" {
		t.Fatalf("first event %+v %v", ev, err)
	}
	if ev, err := r.Next(); err != nil || !ev.Unterminated || string(ev.Data) != "partial" {
		t.Fatalf("the cut event %+v %v, want it marked unterminated", ev, err)
	}
	for range 2 { // the error stays
		if _, err := r.Next(); err == nil || err.Error() != "connection reset" {
			t.Fatalf("after the cut: %v, want the read error", err)
		}
	}
}

// TestReaderIsIncremental: an event is returned as soon as its blank line
// arrives, while the stream is still open.
func TestReaderIsIncremental(t *testing.T) {
	pr, pw := io.Pipe()
	r := NewReader(pr, Options{})
	go func() {
		io.WriteString(pw, "event: a\ndata: 1\n\n")
	}()
	ev, err := r.Next()
	if err != nil || ev.Type != "a" || string(ev.Data) != "1" {
		t.Fatalf("got %+v %v", ev, err)
	}
	go func() {
		io.WriteString(pw, "data: 2\n\n")
		pw.Close()
	}()
	if ev, err := r.Next(); err != nil || string(ev.Data) != "2" {
		t.Fatalf("got %+v %v", ev, err)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("got %v, want io.EOF", err)
	}
}

func TestWriter(t *testing.T) {
	var b bytes.Buffer
	w := NewWriter(&b)
	for _, err := range []error{
		w.Event("content", []byte(`{"text":"a"}`)),
		w.Event("", []byte("two\nlines")),
		w.Event("x", nil),
		w.Comment("keep-alive"),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	const want = "event: content\ndata: {\"text\":\"a\"}\n\ndata: two\ndata: lines\n\nevent: x\ndata: \n\n: keep-alive\n\n"
	if b.String() != want {
		t.Errorf("wrote %q, want %q", b.String(), want)
	}
	for name, err := range map[string]error{
		"a type with a newline": w.Event("a\nb", nil),
		"data with a CR":        w.Event("a", []byte("x\ry")),
		"a comment with a CR":   w.Comment("a\rb"),
	} {
		if err == nil {
			t.Errorf("%s was written", name)
		}
	}
}

// reference parses in the simplest way the format allows: split into
// lines first, then apply the fields. The Reader must agree with it.
func reference(in string) []string {
	var got []string
	var typ, data string
	has := false
	lines := strings.Split(in, "\n")
	for i, line := range lines {
		last := i == len(lines)-1
		line = strings.TrimSuffix(line, "\r")
		if line == "" && !last {
			if has {
				got = append(got, typ+"="+data)
			}
			typ, data, has = "", "", false
			continue
		}
		if strings.HasPrefix(line, ":") {
			continue
		}
		name, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch name {
		case "event":
			typ = value
		case "data":
			if has {
				data += "\n"
			}
			data += value
			has = true
		}
	}
	if has {
		got = append(got, "~"+typ+"="+data)
	}
	return got
}

func FuzzReader(f *testing.F) {
	for _, s := range []string{
		"event: content\ndata: {\"text\":\"a\"}\n\nevent: done\ndata: {}\n\n",
		": ping\n\ndata: {\"message_type\":\"ping\"}\n\ndata: [DONE]\n\n",
		"event: usage\r\ndata:{\"steps\":1}\r\n\r\n",
		"event: x\ndata: a\ndata: b\n\n", "data: [DONE]", "data\n\nevent\n\n:\n", "\r\n\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		// Small buffers: lines longer than the bufio buffer take the slow path.
		got, err := readAll(iotestOneByte(in), Options{})
		if err != io.EOF {
			t.Fatalf("%q: error %v", in, err)
		}
		if want := reference(in); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%q:\n got %q\nwant %q", in, got, want)
		}
	})
}

// FuzzWriteRead: what the Writer writes, the Reader reads back unchanged.
func FuzzWriteRead(f *testing.F) {
	f.Add("content", []byte(`{"text":"a"}`), "keep-alive")
	f.Add("", []byte("a\nb\n"), "")
	f.Fuzz(func(t *testing.T, typ string, data []byte, comment string) {
		var b bytes.Buffer
		w := NewWriter(&b)
		if w.Event(typ, data) != nil || w.Comment(comment) != nil || w.Event(typ, data) != nil {
			return // refused input
		}
		r := NewReader(&b, Options{Comments: true})
		for i, wantComment := range []bool{false, true, false} {
			ev, err := r.Next()
			if err != nil || ev.Unterminated || ev.IsComment() != wantComment {
				t.Fatalf("event %d: %+v %v", i, ev, err)
			}
			if wantComment {
				if string(ev.Comment) != comment {
					t.Fatalf("comment %q, wrote %q", ev.Comment, comment)
				}
				continue
			}
			if ev.Type != typ || !bytes.Equal(ev.Data, data) {
				t.Fatalf("read %q %q, wrote %q %q", ev.Type, ev.Data, typ, data)
			}
		}
		if _, err := r.Next(); err != io.EOF {
			t.Fatalf("after the events: %v", err)
		}
	})
}

// iotestOneByte reads s a byte at a time, so that every line crosses
// reads.
func iotestOneByte(s string) io.Reader { return &oneByte{s: s} }

type oneByte struct{ s string }

func (r *oneByte) Read(p []byte) (int, error) {
	if r.s == "" {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = r.s[0]
	r.s = r.s[1:]
	return 1, nil
}
