package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"
)

// The SDK closes a stdio connection as soon as its input ends, and the
// answers of requests still being handled are lost: a client that pipes
// its requests in and closes its end got 4 answers of 10. The transport
// below tracks the requests read and the answers written, and reports the
// end of input only once every request read has been answered (or after
// a bound, or when the connection closes).

// drainTransport is the stdio transport over in and out that answers
// every request it read before it reports the end of input. wait bounds
// how long it waits for the last answers.
func drainTransport(in io.Reader, closeIn func() error, out io.Writer, wait time.Duration) gomcp.Transport {
	p := &pendingRequests{ids: map[string]int{}, changed: make(chan struct{}, 1), closed: make(chan struct{})}
	return &gomcp.IOTransport{
		Reader: &drainReader{r: in, p: p, wait: wait, closeIn: closeIn},
		Writer: &answerWriter{w: out, p: p},
	}
}

// pendingRequests counts the requests read and not yet answered, by id.
// An answer may be written before its request's line is complete here
// (the SDK decodes an object at its closing brace, before the newline):
// its count then goes below zero until the request is noted.
type pendingRequests struct {
	mu      sync.Mutex
	ids     map[string]int
	changed chan struct{} // a signal: ids changed
	closed  chan struct{} // the connection closed
	once    sync.Once
}

func (p *pendingRequests) add(id string)  { p.count(id, 1) }
func (p *pendingRequests) done(id string) { p.count(id, -1) }

func (p *pendingRequests) count(id string, d int) {
	p.mu.Lock()
	if n := p.ids[id] + d; n != 0 {
		p.ids[id] = n
	} else {
		delete(p.ids, id)
	}
	p.mu.Unlock()
	select {
	case p.changed <- struct{}{}:
	default:
	}
}

// unanswered is the number of requests waiting for their answer.
func (p *pendingRequests) unanswered() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, c := range p.ids {
		if c > 0 {
			n++
		}
	}
	return n
}

func (p *pendingRequests) close() { p.once.Do(func() { close(p.closed) }) }

// drain waits until every request has been answered, the connection
// closed, or limit passed.
func (p *pendingRequests) drain(limit time.Duration) {
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for p.unanswered() > 0 {
		select {
		case <-p.changed:
		case <-p.closed:
			return
		case <-timer.C:
			return
		}
	}
}

// drainReader passes the input through, noting the requests in it; at
// the end of input it waits for their answers before it returns io.EOF.
type drainReader struct {
	r       io.Reader
	p       *pendingRequests
	wait    time.Duration
	closeIn func() error
	line    []byte // the incomplete last line
	eof     bool
}

// maxTrackedLine bounds the incomplete line kept: the SDK refuses longer
// messages anyway.
const maxTrackedLine = gomcp.DefaultMaxLineLength

func (d *drainReader) Read(b []byte) (int, error) {
	if d.eof {
		d.p.drain(d.wait)
		return 0, io.EOF
	}
	n, err := d.r.Read(b)
	d.note(b[:n])
	if err == io.EOF {
		d.eof = true
		if len(d.line) > 0 {
			d.requests(d.line) // a last line without its newline
			d.line = nil
		}
		if n > 0 {
			// These bytes still hold requests the SDK has not read: give
			// them first, and wait at the next Read.
			return n, nil
		}
		d.p.drain(d.wait)
	}
	return n, err
}

func (d *drainReader) Close() error {
	d.p.close()
	if d.closeIn != nil {
		return d.closeIn()
	}
	return nil
}

// note finds the complete lines in b and the requests in them.
func (d *drainReader) note(b []byte) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			if len(d.line)+len(b) <= maxTrackedLine {
				d.line = append(d.line, b...)
			} else {
				d.line = d.line[:0]
			}
			return
		}
		if len(d.line) > 0 {
			d.line = append(d.line, b[:i]...)
			d.requests(d.line)
			d.line = d.line[:0]
		} else {
			d.requests(b[:i])
		}
		b = b[i+1:]
	}
}

// message is what the transport needs of a JSON-RPC message.
type message struct {
	ID     json.RawMessage `json:"id"`
	Method *string         `json:"method"`
}

// requests notes the requests (with an id and a method) in one line: a
// message or a batch of them.
func (d *drainReader) requests(line []byte) {
	for _, m := range messages(line) {
		if m.Method != nil && len(m.ID) > 0 && string(m.ID) != "null" {
			d.p.add(idKey(m.ID))
		}
	}
}

// answerWriter writes the output and notes the answers in it once they
// are written.
type answerWriter struct {
	w io.Writer
	p *pendingRequests
}

func (a *answerWriter) Write(b []byte) (int, error) {
	n, err := a.w.Write(b)
	for _, m := range messages(b) {
		if m.Method == nil && len(m.ID) > 0 {
			a.p.done(idKey(m.ID))
		}
	}
	return n, err
}

func (a *answerWriter) Close() error { return nil } // standard output stays open

// messages decodes a line holding a message or a batch; anything else
// holds none.
func messages(line []byte) []message {
	line = bytes.TrimSpace(line)
	switch {
	case len(line) == 0:
		return nil
	case line[0] == '[':
		var batch []message
		if json.Unmarshal(line, &batch) != nil {
			return nil
		}
		return batch
	}
	var m message
	if json.Unmarshal(line, &m) != nil {
		return nil
	}
	return []message{m}
}

// idKey is an id as the SDK echoes it: a number or a string, whatever its
// spelling in the request (1 and 1.0 are one id).
func idKey(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	return fmt.Sprintf("%T:%v", v, v)
}
