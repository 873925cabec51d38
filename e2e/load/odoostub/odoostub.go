// Package odoostub is an http.RoundTripper that answers Odoo requests from
// memory, for benchmarks of odoo-mcp's own code: the first request of each
// kind goes to a real handler (usually a fakeodoo.Server), later identical
// requests get the recorded answer without any server work, network or
// goroutine. JSON-RPC request ids are ignored when matching (odoorpc does
// not check the id of an answer).
package odoostub

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
)

// Transport replays recorded answers of an Odoo handler.
type Transport struct {
	handler  http.Handler
	mu       sync.RWMutex
	answers  map[string]*answer
	requests atomic.Int64
	misses   atomic.Int64
}

type answer struct {
	status int
	header http.Header // shared, read-only
	body   []byte
}

// New records the answers of handler.
func New(handler http.Handler) *Transport {
	return &Transport{handler: handler, answers: map[string]*answer{}}
}

// Requests is the number of requests served, recorded or not.
func (t *Transport) Requests() int64 { return t.requests.Load() }

// Misses is the number of requests the handler answered.
func (t *Transport) Misses() int64 { return t.misses.Load() }

// Client is an http.Client over the transport.
func (t *Transport) Client() *http.Client { return &http.Client{Transport: t} }

var bufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// RoundTrip answers from memory when it can.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.requests.Add(1)
	buf := bufs.Get().(*bytes.Buffer)
	defer bufs.Put(buf)
	buf.Reset()
	buf.WriteString(req.Method)
	buf.WriteByte(' ')
	buf.WriteString(req.URL.Path)
	buf.WriteByte(' ')
	buf.WriteString(req.Header.Get("Authorization"))
	buf.WriteByte(' ')
	prefix := buf.Len()
	if req.Body != nil {
		if _, err := buf.ReadFrom(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
	}
	body := bytes.Clone(buf.Bytes()[prefix:])
	key := withoutID(buf.Bytes())
	t.mu.RLock()
	a := t.answers[string(key)]
	t.mu.RUnlock()
	if a == nil {
		t.misses.Add(1)
		rec := httptest.NewRecorder()
		r := req.Clone(req.Context())
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.RequestURI = req.URL.RequestURI()
		t.handler.ServeHTTP(rec, r)
		a = &answer{status: rec.Code, header: rec.Header().Clone(), body: bytes.Clone(rec.Body.Bytes())}
		t.mu.Lock()
		t.answers[string(key)] = a
		t.mu.Unlock()
	}
	return &http.Response{
		Status:        http.StatusText(a.status),
		StatusCode:    a.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        a.header,
		Body:          io.NopCloser(bytes.NewReader(a.body)),
		ContentLength: int64(len(a.body)),
		Request:       req,
	}, nil
}

// withoutID removes the first `"id":<digits>` of a JSON-RPC envelope, in
// place.
func withoutID(b []byte) []byte {
	i := bytes.Index(b, []byte(`"id":`))
	if i < 0 {
		return b
	}
	j := i + 5
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		j++
	}
	if j == i+5 {
		return b
	}
	return append(b[:i], b[j:]...)
}
