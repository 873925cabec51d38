// Package statuswriter remembers the status a handler answered with, for
// the servers that count or record it (the thread API's metrics, the fake
// Letta and the scripted model's request logs).
package statuswriter

import "net/http"

// Writer wraps a ResponseWriter. Status is the first status written (200
// when the body came first), 0 while nothing was. Flush passes through so
// that streams work; Unwrap lets http.ResponseController reach the
// connection.
type Writer struct {
	http.ResponseWriter
	Status int
}

func (w *Writer) WriteHeader(code int) {
	if w.Status == 0 {
		w.Status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *Writer) Write(b []byte) (int, error) {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush sends what was written so far, when the connection can.
func (w *Writer) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *Writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }
