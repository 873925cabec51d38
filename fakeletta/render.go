package fakeletta

import (
	"bytes"
	"encoding/json"
	"time"
)

// Rendering of Letta's message objects with pydantic's field order.

type kv struct {
	k string
	v any
}

// obj is a JSON object whose keys keep their order.
type obj []kv

func (o obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(p.k)
		b.Write(k)
		b.WriteByte(':')
		v, err := marshalNoEscape(p.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// marshalNoEscape is json.Marshal without HTML escaping (as pydantic).
func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// msgRenderer renders messages for one response of one version.
type msgRenderer struct {
	isNew bool
	runID string
	seq   int
}

func (r *msgRenderer) base(id, typ, otid, stepID string, date time.Time) obj {
	var seq, run any
	if r.isNew {
		r.seq++
		seq, run = r.seq, r.runID
	}
	return obj{
		{"id", id}, {"date", isoSeconds(date)}, {"name", nil}, {"message_type", typ},
		{"otid", nilIfEmpty(otid)}, {"sender_id", nil}, {"step_id", nilIfEmpty(stepID)},
		{"is_err", nil}, {"seq_id", seq}, {"run_id", run},
	}
}

// full renders a complete message (step streaming, non-streaming responses,
// history listings).
func (r *msgRenderer) full(m *historyMsg) obj {
	o := r.base(m.MessageID, m.Type, m.Otid, m.StepID, m.Date)
	switch m.Type {
	case "reasoning_message":
		o = append(o, kv{"source", "non_reasoner_model"}, kv{"reasoning", m.Text}, kv{"signature", nil})
	case "tool_call_message":
		call := obj{{"name", m.ToolName}, {"arguments", m.ToolArgs}, {"tool_call_id", m.ToolCallID}}
		o = append(o, kv{"tool_call", call})
		if r.isNew {
			o = append(o, kv{"tool_calls", []any{call}})
		}
	case "tool_return_message":
		o = append(o, kv{"tool_return", m.Text}, kv{"status", m.Status}, kv{"tool_call_id", m.ToolCallID}, kv{"stdout", nil}, kv{"stderr", nil})
		if r.isNew {
			o = append(o, kv{"tool_returns", []any{obj{
				{"type", "tool"}, {"tool_return", m.Text}, {"status", m.Status},
				{"tool_call_id", m.ToolCallID}, {"stdout", nil}, {"stderr", nil},
			}}})
		}
	case "approval_request_message":
		var calls []any
		for _, c := range m.Calls {
			calls = append(calls, obj{{"name", c.Name}, {"arguments", c.Args}, {"tool_call_id", c.ID}})
		}
		o = append(o, kv{"tool_call", calls[0]})
		if r.isNew {
			o = append(o, kv{"tool_calls", calls})
		}
	case "approval_response_message":
		// As Message.to_letta_messages (0.16.8): every item, and the first
		// approve/deny item's fields at the top for older clients.
		items := []any{}
		var first *approvalItem
		for i, it := range m.Approvals {
			if it.Kind == "tool" {
				items = append(items, obj{{"type", "tool"}, {"tool_return", it.Return}, {"status", firstNonEmpty(it.Status, "success")},
					{"tool_call_id", it.ToolCallID}, {"stdout", nil}, {"stderr", nil}})
				continue
			}
			items = append(items, obj{{"type", "approval"}, {"tool_call_id", it.ToolCallID}, {"approve", it.Approve}, {"reason", nilIfEmpty(it.Reason)}})
			if first == nil {
				first = &m.Approvals[i]
			}
		}
		var approve, reqID, reason any
		if first != nil {
			approve, reqID, reason = first.Approve, first.ToolCallID, nilIfEmpty(first.Reason)
		}
		o = append(o, kv{"approvals", items}, kv{"approve", approve}, kv{"approval_request_id", reqID}, kv{"reason", reason})
	default: // user, system and assistant messages carry content
		o = append(o, kv{"content", m.Text})
	}
	return o
}

// fragments renders a message as token-streaming fragments sharing id and
// otid: reasoning and assistant text cut at word boundaries, tool-call
// arguments cut in two (the name only on the first fragment; NEW's
// tool_calls holds the same single delta object, not a list).
func (r *msgRenderer) fragments(m *historyMsg) []obj {
	var out []obj
	switch m.Type {
	case "reasoning_message":
		for _, part := range splitFragments(m.Text, 2) {
			o := r.base(m.MessageID, m.Type, m.Otid, m.StepID, m.Date)
			out = append(out, append(o, kv{"source", "non_reasoner_model"}, kv{"reasoning", part}, kv{"signature", nil}))
		}
	case "tool_call_message":
		half := len(m.ToolArgs) / 2
		for i, part := range []string{m.ToolArgs[:half], m.ToolArgs[half:]} {
			var name any
			if i == 0 {
				name = m.ToolName
			}
			delta := obj{{"name", name}, {"arguments", part}, {"tool_call_id", m.ToolCallID}}
			o := append(r.base(m.MessageID, m.Type, m.Otid, m.StepID, m.Date), kv{"tool_call", delta})
			if r.isNew {
				o = append(o, kv{"tool_calls", delta})
			}
			out = append(out, o)
		}
	case "approval_request_message":
		// Each call in two fragments, every fragment naming its call id.
		for _, c := range m.Calls {
			half := len(c.Args) / 2
			for i, part := range []string{c.Args[:half], c.Args[half:]} {
				var name any
				if i == 0 {
					name = c.Name
				}
				delta := obj{{"name", name}, {"arguments", part}, {"tool_call_id", c.ID}}
				o := append(r.base(m.MessageID, m.Type, m.Otid, m.StepID, m.Date), kv{"tool_call", delta})
				if r.isNew {
					o = append(o, kv{"tool_calls", delta})
				}
				out = append(out, o)
			}
		}
	case "assistant_message":
		for _, part := range splitFragments(m.Text, 3) {
			o := r.base(m.MessageID, m.Type, m.Otid, m.StepID, m.Date)
			out = append(out, append(o, kv{"content", part}))
		}
	default:
		out = append(out, r.full(m))
	}
	return out
}

func stopReasonJSON(reason string) obj {
	return obj{{"message_type", "stop_reason"}, {"stop_reason", reason}}
}

func (r *msgRenderer) usage(o runOutcome) obj {
	u := obj{
		{"message_type", "usage_statistics"},
		{"completion_tokens", o.Completion}, {"prompt_tokens", o.Prompt},
		{"total_tokens", o.Completion + o.Prompt}, {"step_count", o.Steps},
	}
	if r.isNew {
		return append(u, kv{"run_ids", nil}, kv{"cached_input_tokens", o.Cached}, kv{"cache_write_tokens", nil},
			kv{"reasoning_tokens", nil}, kv{"context_tokens", nil})
	}
	return append(u, kv{"steps_messages", nil}, kv{"run_ids", nil})
}

// ping is the keep-alive event: OLD {"message_type":"ping"}, NEW a full
// LettaPing carrying the run id.
func (r *msgRenderer) ping(now time.Time) obj {
	if !r.isNew {
		return obj{{"message_type", "ping"}}
	}
	return obj{
		{"id", newID("ping")}, {"date", isoSeconds(now)}, {"name", nil}, {"message_type", "ping"},
		{"otid", nil}, {"sender_id", nil}, {"step_id", nil}, {"is_err", nil}, {"seq_id", nil}, {"run_id", r.runID},
	}
}
