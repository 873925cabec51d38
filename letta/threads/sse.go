package threads

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/odoo-mcp/odoo-mcp/letta"
	"github.com/odoo-mcp/odoo-mcp/sse"
)

// sseWriter writes server-sent events and flushes each one: nothing is
// buffered between Letta and the caller.
type sseWriter struct {
	w       *sse.Writer
	rc      *http.ResponseController
	onUsage func(UsageData) // per-model counters
}

func newSSEWriter(w io.Writer, rc *http.ResponseController) *sseWriter {
	return &sseWriter{w: sse.NewWriter(w), rc: rc}
}

func (s *sseWriter) event(ev Event) error {
	if u, ok := ev.Data.(UsageData); ok && s.onUsage != nil {
		s.onUsage(u)
	}
	b, err := json.Marshal(ev.Data)
	if err != nil {
		return err
	}
	if err := s.w.Event(ev.Name, b); err != nil {
		return err
	}
	return s.rc.Flush()
}

// comment keeps idle connections (and the proxies on the way) open.
func (s *sseWriter) comment() error {
	if err := s.w.Comment("keep-alive"); err != nil {
		return err
	}
	return s.rc.Flush()
}

type nextResult struct {
	ev  letta.Event
	err error
}

// relay copies the run to the caller as it happens. Letta's stream is read
// in a goroutine so that keep-alive comments go out while it is silent; the
// goroutine ends before relay returns. A caller who leaves (ctx done, or a
// failed write) closes the stream, which cancels the upstream request. The
// stream always ends with done (after an error event if it broke).
func relay(ctx context.Context, s *letta.Stream, out *sseWriter, keepAlive time.Duration) {
	results := make(chan nextResult)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			ev, err := s.Next()
			select {
			case results <- nextResult{ev, err}:
			case <-stop:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	defer func() {
		close(stop)
		_ = s.Close() // unblocks Next and cancels the upstream request
		wg.Wait()
	}()

	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	tr := newTranslator()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if out.comment() != nil {
				return
			}
		case r := <-results:
			var evs []Event
			if r.err != nil {
				if ctx.Err() != nil {
					return // the caller left: nobody to tell
				}
				evs = tr.end(r.err, s.StopReason())
			} else {
				evs = tr.next(r.ev)
			}
			for _, ev := range evs {
				if out.event(ev) != nil {
					return
				}
			}
			if r.err != nil {
				return
			}
		}
	}
}
