// Package lockedbuf is a bytes.Buffer that goroutines may write while a
// test reads it: a server's log, a child process's output.
package lockedbuf

import (
	"bytes"
	"sync"
)

// Buffer is safe for concurrent use. The zero value is ready.
type Buffer struct {
	// Max, when positive, bounds what is kept: writes past Max bytes are
	// dropped (and reported written, so the writer goes on).
	Max int
	mu  sync.Mutex
	b   bytes.Buffer
}

func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.Max > 0 && l.b.Len() > l.Max {
		return len(p), nil
	}
	return l.b.Write(p)
}

// String returns what was written so far.
func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
