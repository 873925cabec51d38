// Package sse reads and writes server-sent events (text/event-stream, the
// WHATWG HTML "event stream" format): Letta's streams, the thread API's
// replies and MCP's Streamable HTTP answers all use it.
//
// The Reader is incremental: Next returns each event as soon as its blank
// line has arrived and holds at most one event in memory, so a stream can
// be relayed while it runs. Only the fields odoo-mcp's peers use are kept
// (event and data); id and retry lines are skipped, as unknown fields are.
package sse

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// DefaultMaxLine bounds one line when Options.MaxLine is zero: large enough
// for a tool result, small enough that a peer cannot make the reader buffer
// without limit.
const DefaultMaxLine = 16 << 20

// ErrLineTooLong is matched (errors.Is) by the error Next returns for a
// line longer than Options.MaxLine.
var ErrLineTooLong = errors.New("sse: line too long")

type lineTooLongError struct{ max int }

func (e *lineTooLongError) Error() string {
	return fmt.Sprintf("sse: line longer than %d bytes", e.max)
}
func (e *lineTooLongError) Is(target error) bool { return target == ErrLineTooLong }

// Event is one event of a stream.
type Event struct {
	// Type is the event field ("" when the event had none, which the
	// format calls a "message" event).
	Type string
	// Data is the event's data lines joined by "\n". It is valid until the
	// next call to Next; copy it to keep it.
	Data []byte
	// Comment is set, and Type and Data empty, for a comment line (":
	// keep-alive"), returned only with Options.Comments. It holds the text
	// after the colon and one optional space, valid until the next Next.
	Comment []byte
	// Unterminated reports an event the stream ended (or broke) before its
	// blank line: the format says to drop it; Letta's streams may end so,
	// and odoo-mcp's Letta client keeps it. The following Next returns the
	// error that ended the stream.
	Unterminated bool
}

// IsComment reports a comment line (only returned with Options.Comments).
func (e Event) IsComment() bool { return e.Comment != nil }

// Options tune a Reader.
type Options struct {
	// MaxLine bounds one line in bytes (0: DefaultMaxLine).
	MaxLine int
	// Comments makes Next return comment lines as events (keep-alives, to
	// watch a silent stream stay open).
	Comments bool
}

// Reader reads events from a stream as they arrive. It is not safe for
// concurrent use.
type Reader struct {
	r    *bufio.Reader
	opts Options
	line []byte // a line longer than the bufio buffer, joined
	data []byte // the data of the event being read
	typ  string // the event field of the event being read
	has  bool   // a data field was seen: the event is dispatched
	err  error  // sticky: what ended the stream
}

// NewReader returns a Reader on r. It reads through a 64 KiB buffer:
// r should not be buffered already.
func NewReader(r io.Reader, opts Options) *Reader {
	if opts.MaxLine <= 0 {
		opts.MaxLine = DefaultMaxLine
	}
	return &Reader{r: bufio.NewReaderSize(r, 64<<10), opts: opts}
}

// Next returns the next event. At the end of the stream it returns io.EOF;
// when reading fails, that error (a line over MaxLine: an error matching
// ErrLineTooLong). An event with data that the end or failure cut short
// comes first, with Unterminated set; an event of no data line is never
// returned (the format's rule). Once Next has returned an error it returns
// it again.
func (r *Reader) Next() (Event, error) {
	if r.err != nil {
		return Event{}, r.err
	}
	for {
		line, err := r.readLine()
		if err != nil {
			if len(line) > 0 {
				// The last line, without its line ending: it still counts.
				if ev, ok := r.field(line); ok {
					r.err = err
					return ev, nil
				}
			}
			r.err = err
			if r.has {
				r.has = false
				return Event{Type: r.typ, Data: r.data, Unterminated: true}, nil
			}
			return Event{}, err
		}
		if len(line) == 0 { // the blank line: dispatch
			if !r.has {
				r.typ = ""
				continue
			}
			ev := Event{Type: r.typ, Data: r.data}
			r.typ, r.data, r.has = "", r.data[:0], false
			return ev, nil
		}
		if ev, ok := r.field(line); ok {
			return ev, nil
		}
	}
}

// field applies one non-blank line; ok reports a comment to return.
func (r *Reader) field(line []byte) (Event, bool) {
	if line[0] == ':' {
		if r.opts.Comments {
			c := bytes.TrimPrefix(line[1:], []byte(" "))
			if c == nil {
				c = []byte{}
			}
			return Event{Comment: c}, true
		}
		return Event{}, false
	}
	name, value, _ := bytes.Cut(line, []byte(":"))
	value = bytes.TrimPrefix(value, []byte(" "))
	switch string(name) {
	case "event":
		// Compared before converted: a stream repeating its event names
		// (every thread API event has one) allocates each name once.
		if string(value) != r.typ {
			r.typ = string(value)
		}
	case "data":
		if r.has {
			r.data = append(r.data, '\n')
		}
		r.data = append(r.data, value...)
		r.has = true
	}
	return Event{}, false
}

// readLine returns one line without its ending (\n, \r\n; a lone \r is
// not a line ending here: no peer sends one). The line is valid until the
// next read. At the end of the stream it returns the unfinished last line
// with the error.
func (r *Reader) readLine() ([]byte, error) {
	chunk, err := r.r.ReadSlice('\n')
	if err == nil {
		// The common case: the whole line is in the buffer.
		if line := trimEOL(chunk); len(line) <= r.opts.MaxLine {
			return line, nil
		}
		return nil, &lineTooLongError{max: r.opts.MaxLine}
	}
	r.line = append(r.line[:0], chunk...)
	for err == bufio.ErrBufferFull {
		if len(r.line) > r.opts.MaxLine {
			return nil, &lineTooLongError{max: r.opts.MaxLine}
		}
		chunk, err = r.r.ReadSlice('\n')
		r.line = append(r.line, chunk...)
	}
	var line []byte
	if err == nil {
		line = trimEOL(r.line)
	} else {
		line = bytes.TrimSuffix(r.line, []byte("\r"))
	}
	if len(line) > r.opts.MaxLine {
		return nil, &lineTooLongError{max: r.opts.MaxLine}
	}
	return line, err
}

func trimEOL(line []byte) []byte {
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line
}

// Writer writes events to w, each in one Write call (flushing, where the
// transport buffers, is the caller's). It is not safe for concurrent use.
type Writer struct {
	w   io.Writer
	buf []byte
}

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Event writes one event: an event line when typ is not "", then one data
// line per line of data. typ must not hold a line break, nor data a
// carriage return (a reader would split the line there).
func (w *Writer) Event(typ string, data []byte) error {
	if strings.ContainsAny(typ, "\r\n") {
		return fmt.Errorf("sse: event type %q holds a line break", typ)
	}
	if bytes.IndexByte(data, '\r') >= 0 {
		return errors.New("sse: event data holds a carriage return: encode it (JSON does)")
	}
	b := w.buf[:0]
	if typ != "" {
		b = append(b, "event: "...)
		b = append(b, typ...)
		b = append(b, '\n')
	}
	for {
		line, rest, more := bytes.Cut(data, []byte("\n"))
		b = append(b, "data: "...)
		b = append(b, line...)
		b = append(b, '\n')
		if !more {
			break
		}
		data = rest
	}
	b = append(b, '\n')
	w.buf = b
	_, err := w.w.Write(b)
	return err
}

// Comment writes a comment line (a keep-alive that readers skip), text
// without line breaks.
func (w *Writer) Comment(text string) error {
	if strings.ContainsAny(text, "\r\n") {
		return fmt.Errorf("sse: comment %q holds a line break", text)
	}
	b := append(w.buf[:0], ": "...)
	b = append(b, text...)
	b = append(b, "\n\n"...)
	w.buf = b
	_, err := w.w.Write(b)
	return err
}
