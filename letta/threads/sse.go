package threads

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
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

// relay copies one Letta stream to the caller as it happens (no follow-up
// requests: a pause ends the reply with approval_required).
func relay(ctx context.Context, s *letta.Stream, out *sseWriter, keepAlive time.Duration) {
	relayTurn(ctx, out, keepAlive, func(ctx context.Context, emit func(Event) bool) {
		t := &turn{ctx: ctx, emit: emit, tr: newTranslator(), returned: map[string]bool{}, rec: &record{agent: &letta.Agent{}}}
		t.run(s, letta.MessageRequest{})
	})
}

// relayTurn runs a turn in a goroutine and writes its events to the caller
// as they come, flushed, with a keep-alive comment while it is silent (Letta
// thinking, or a tool running). A caller who leaves (ctx done, or a failed
// write) cancels the turn, which closes its Letta stream and so cancels the
// upstream request; the goroutine ends before relayTurn returns.
func relayTurn(ctx context.Context, out *sseWriter, keepAlive time.Duration, run func(ctx context.Context, emit func(Event) bool)) {
	ctx, cancel := context.WithCancel(ctx)
	events := make(chan Event)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		run(ctx, func(ev Event) bool {
			select {
			case events <- ev:
				return true
			case <-ctx.Done():
				return false
			}
		})
	}()
	defer func() {
		cancel()
		<-finished
	}()
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-finished:
			return
		case <-tick.C:
			if out.comment() != nil {
				return
			}
		case ev := <-events:
			if out.event(ev) != nil || ev.Name == EventDone {
				return
			}
		}
	}
}
