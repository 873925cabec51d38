package fakeletta

import (
	"net/http"
	"sync"
	"time"

	"github.com/odoo-mcp/odoo-mcp/internal/statuswriter"
)

// streamWriter writes one SSE response in Letta's format and applies the
// stream faults. It is the runSink of a streaming request.
type streamWriter struct {
	s        *Server
	w        *statuswriter.Writer
	r        *http.Request
	render   *msgRenderer
	tokens   bool            // token streaming (fragments)
	include  map[string]bool // include_return_message_types (nil = all)
	fault    *Fault
	emitted  map[*historyMsg]bool
	mu       sync.Mutex
	events   int  // data frames written
	stopped  bool // a fault ended the stream or the client left
	aborted  bool
	lastSend time.Time
	done     chan struct{}
}

func (c *reqCtx) newStream(runID string, tokens bool, include []string, pings bool) *streamWriter {
	sw := &streamWriter{
		s: c.s, w: c.w, r: c.r, tokens: tokens, fault: c.fault,
		render:  &msgRenderer{isNew: c.s.isNew, runID: runID},
		emitted: map[*historyMsg]bool{},
		done:    make(chan struct{}),
	}
	if include != nil {
		sw.include = map[string]bool{}
		for _, t := range include {
			sw.include[t] = true
		}
	}
	h := c.w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	c.w.WriteHeader(http.StatusOK)
	c.w.Flush()
	sw.lastSend = time.Now()
	if pings && c.s.isNew {
		sw.data(sw.render.ping(c.s.now()))
	}
	if pings && c.s.opts.PingInterval > 0 {
		go sw.keepAlive(c.s.opts.PingInterval)
	}
	return sw
}

// keepAlive sends a ping whenever the stream was idle for interval.
func (sw *streamWriter) keepAlive(interval time.Duration) {
	t := time.NewTicker(interval / 4)
	defer t.Stop()
	for {
		select {
		case <-sw.done:
			return
		case <-sw.r.Context().Done():
			return
		case <-t.C:
			sw.mu.Lock()
			idle := time.Since(sw.lastSend) >= interval
			sw.mu.Unlock()
			if idle {
				sw.data(sw.render.ping(time.Now()))
			}
		}
	}
}

// close stops the keep-alive goroutine; when a fault asked for it the
// connection is then reset.
func (sw *streamWriter) close() {
	close(sw.done)
	sw.mu.Lock()
	aborted := sw.aborted
	sw.stopped = true // no write may follow the handler's return
	sw.mu.Unlock()
	if aborted {
		panic(http.ErrAbortHandler)
	}
}

// raw writes bytes and flushes; false once the stream is stopped.
func (sw *streamWriter) raw(b string) bool {
	if sw.stopped {
		return false
	}
	if _, err := sw.w.Write([]byte(b)); err != nil {
		sw.stopped = true
		return false
	}
	sw.w.Flush()
	sw.lastSend = time.Now()
	return true
}

// data writes one "data: {json}" event, applying the event-count faults.
func (sw *streamWriter) data(v any) bool {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if sw.stopped {
		return false
	}
	if f := sw.fault; f != nil {
		if f.EventDelay > 0 && sw.events > 0 {
			sw.mu.Unlock()
			select {
			case <-time.After(f.EventDelay):
			case <-sw.r.Context().Done():
			}
			sw.mu.Lock()
			if sw.stopped {
				return false
			}
		}
		if f.ErrorAfterEvents > 0 && sw.events == f.ErrorAfterEvents {
			sw.errorFramesLocked(f.ErrorType, f.ErrorMessage)
			sw.stopped = true
			return false
		}
		if f.CutAfterEvents > 0 && sw.events == f.CutAfterEvents {
			sw.stopped = true
			sw.aborted = f.Abort
			return false
		}
	}
	b, err := marshalNoEscape(v)
	if err != nil {
		return false
	}
	if !sw.raw("data: " + string(b) + "\n\n") {
		return false
	}
	sw.events++
	return true
}

// wanted applies include_return_message_types.
func (sw *streamWriter) wanted(m *historyMsg) bool {
	return sw.include == nil || sw.include[m.Type]
}

// early streams fragments before a tool runs (token streaming only).
func (sw *streamWriter) early(msgs []*historyMsg) bool {
	if !sw.tokens {
		return !sw.isStopped()
	}
	for _, m := range msgs {
		sw.emitted[m] = true
		if !sw.wanted(m) {
			continue
		}
		for _, frag := range sw.render.fragments(m) {
			if !sw.data(frag) {
				return false
			}
		}
	}
	return true
}

// step streams the complete messages of a step not yet sent as fragments.
func (sw *streamWriter) step(msgs []*historyMsg) bool {
	for _, m := range msgs {
		if sw.emitted[m] || !sw.wanted(m) || (sw.tokens && m.FromCaller) {
			continue
		}
		sw.emitted[m] = true
		if !sw.data(sw.render.full(m)) {
			return false
		}
	}
	return !sw.isStopped()
}

func (sw *streamWriter) isStopped() bool {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	return sw.stopped
}

// finish writes the end of a normal run: stop_reason, usage_statistics and
// [DONE] (unless a fault omits it).
func (sw *streamWriter) finish(o runOutcome) {
	if !sw.data(stopReasonJSON(o.StopReason)) || !sw.data(sw.render.usage(o)) {
		return
	}
	if sw.fault != nil && sw.fault.OmitDone {
		return
	}
	sw.mu.Lock()
	defer sw.mu.Unlock()
	sw.raw("data: [DONE]\n\n")
}

// fail writes the version's mid-stream error frames.
func (sw *streamWriter) fail(errorType, message string) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if sw.stopped {
		return
	}
	sw.errorFramesLocked(errorType, message)
	sw.stopped = true
}

// failWith writes NEW's error frames with a given stop reason, type,
// message and detail (OLD: its single error frame).
func (sw *streamWriter) failWith(stop, errorType, message, detail string) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	if sw.stopped {
		return
	}
	defer func() { sw.stopped = true }()
	if !sw.s.isNew {
		sw.raw("event: error\ndata: {\"error\": " + pyJSONString(detail) + ", \"code\": \"INTERNAL_SERVER_ERROR\"}\n\n")
		return
	}
	st, _ := marshalNoEscape(stopReasonJSON(stop))
	errMsg, _ := marshalNoEscape(obj{
		{"message_type", "error_message"}, {"run_id", sw.render.runID}, {"error_type", errorType},
		{"message", message}, {"detail", detail}, {"seq_id", nil},
	})
	sw.raw("data: " + string(st) + "\n\n")
	sw.raw("event: error\ndata: " + string(errMsg) + "\n\n")
	sw.raw("data: [DONE]\n\n")
}

// llmErrors maps NEW error types to their stop reason and message.
var llmErrors = map[string][2]string{
	"llm_timeout":        {"llm_api_error", "The LLM request timed out. Please try again."},
	"llm_rate_limit":     {"llm_api_error", "Rate limit exceeded for LLM model provider. Please wait before making another request."},
	"llm_authentication": {"llm_api_error", "Authentication failed with the LLM model provider."},
	"llm_empty_response": {"invalid_llm_response", "LLM returned an empty response."},
	"llm_error":          {"llm_api_error", "An error occurred with the LLM request."},
	"stream_incomplete":  {"error", "Stream ended unexpectedly without a terminal event."},
	"internal_error":     {"error", "An unknown error occurred with the LLM streaming request."},
}

// errorFramesLocked writes OLD's single "event: error" frame (Python
// json.dumps formatting, no [DONE]) or NEW's stop_reason + error_message +
// [DONE].
func (sw *streamWriter) errorFramesLocked(errorType, message string) {
	if !sw.s.isNew {
		if message == "" {
			message = "An exception occurred mid-stream with status code 500 with content " +
				pyBytesRepr(`data: {"message_type":"stop_reason","stop_reason":"error"}`+"\n\n")
		}
		sw.raw("event: error\ndata: {\"error\": " + pyJSONString(message) + ", \"code\": \"INTERNAL_SERVER_ERROR\"}\n\n")
		return
	}
	if errorType == "" {
		errorType = "internal_error"
	}
	info, ok := llmErrors[errorType]
	if !ok {
		info = llmErrors["internal_error"]
	}
	detail := message
	if detail == "" {
		detail = info[1]
	}
	stop, _ := marshalNoEscape(stopReasonJSON(info[0]))
	errMsg, _ := marshalNoEscape(obj{
		{"message_type", "error_message"}, {"run_id", sw.render.runID}, {"error_type", errorType},
		{"message", info[1]}, {"detail", detail}, {"seq_id", nil},
	})
	sw.raw("data: " + string(stop) + "\n\n")
	sw.raw("event: error\ndata: " + string(errMsg) + "\n\n")
	sw.raw("data: [DONE]\n\n")
}
