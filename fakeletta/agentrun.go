package fakeletta

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// historyMsg is one message of an agent's history, in LettaMessage terms.
type historyMsg struct {
	MessageID  string
	Type       string // user_message, system_message, reasoning_message, tool_call_message, tool_return_message, assistant_message
	Date       time.Time
	Otid       string
	StepID     string
	RunID      string
	Text       string // content, reasoning or tool return
	ToolName   string
	ToolArgs   string
	ToolCallID string
	Status     string
}

// inputMsg is one message of a request.
type inputMsg struct {
	Role string
	Text string
	Otid string
}

// runSink receives the agent's messages as they are produced. Fragment
// sinks get the reasoning and tool call before the tool runs.
type runSink interface {
	// step delivers complete messages; false stops the run.
	step(msgs []*historyMsg) bool
	// early delivers messages before the tool runs (token streaming);
	// false stops the run. Step-mode sinks return true and ignore them.
	early(msgs []*historyMsg) bool
}

// runOutcome summarises a run.
type runOutcome struct {
	StopReason string
	Steps      int
	Completion int
	Prompt     int
	Cached     int
	Err        error // the agent disappeared or another failure
}

// runAgent executes the scripted model for one request.
func (s *Server) runAgent(ctx context.Context, agentID, runID string, input []inputMsg, sink runSink) runOutcome {
	s.mu.Lock()
	a := s.agents[agentID]
	if a == nil {
		s.mu.Unlock()
		return runOutcome{Err: errAgentGone}
	}
	tools := map[string]*toolRec{}
	for _, id := range a.ToolIDs {
		if t := s.tools[id]; t != nil {
			c := *t
			tools[t.Name] = &c
		}
	}
	env := a.envMap()
	var userText []string
	for _, in := range input {
		typ := "user_message"
		if in.Role == "system" {
			typ = "system_message"
		} else if in.Role == "assistant" {
			typ = "assistant_message"
		}
		a.Messages = append(a.Messages, &historyMsg{MessageID: newID("message"), Type: typ, Date: s.now().UTC(), Otid: in.Otid, RunID: runID, Text: in.Text})
		if in.Role == "user" {
			userText = append(userText, in.Text)
		}
	}
	s.mu.Unlock()

	text := strings.Join(userText, "\n")
	out := runOutcome{StopReason: "end_turn"}
	var answer []string
	for _, call := range parseScript(text) {
		t := tools[call.Tool]
		if call.ArgsErr != nil || t == nil {
			answer = append(answer, answerLine(call, nil))
			continue
		}
		stepID, msgID, callID := newID("step"), newID("message"), "call_"+strings.ReplaceAll(newUUID(), "-", "")[:24]
		now := s.now().UTC()
		reasoning := &historyMsg{MessageID: msgID, Type: "reasoning_message", Date: now, Otid: otidFromID(msgID, 0), StepID: stepID, RunID: runID,
			Text: "The user asked me to call " + call.Tool + "."}
		toolCall := &historyMsg{MessageID: msgID, Type: "tool_call_message", Date: now, Otid: otidFromID(msgID, 1), StepID: stepID, RunID: runID,
			ToolName: call.Tool, ToolArgs: call.RawArgs, ToolCallID: callID}
		if !sink.early([]*historyMsg{reasoning, toolCall}) {
			return s.finishRun(agentID, out, "cancelled")
		}
		res := s.executeTool(ctx, agentID, t, call.Args, env)
		retID := newID("message")
		ret := &historyMsg{MessageID: retID, Type: "tool_return_message", Date: s.now().UTC(), Otid: otidFromID(retID, 0), StepID: stepID, RunID: runID,
			Text: res.Return, Status: res.Status, ToolName: call.Tool, ToolCallID: callID}
		out.Steps++
		completion := 20 + len(strings.Fields(call.RawArgs))
		out.Prompt += 2000
		out.Completion += completion
		out.Cached += s.addStep(agentID, runID, stepID, 2000, completion)
		if !s.appendHistory(agentID, reasoning, toolCall, ret) {
			out.Err = errAgentGone
			return out
		}
		if !sink.step([]*historyMsg{reasoning, toolCall, ret}) {
			return s.finishRun(agentID, out, "cancelled")
		}
		answer = append(answer, answerLine(call, &res))
	}

	reply := "You said: " + strings.TrimSpace(text)
	if len(answer) > 0 {
		reply = strings.Join(answer, "\n")
	}
	stepID, msgID := newID("step"), newID("message")
	now := s.now().UTC()
	reasoning := &historyMsg{MessageID: msgID, Type: "reasoning_message", Date: now, Otid: otidFromID(msgID, 0), StepID: stepID, RunID: runID,
		Text: "Replying to the user."}
	assistant := &historyMsg{MessageID: msgID, Type: "assistant_message", Date: now, Otid: otidFromID(msgID, 1), StepID: stepID, RunID: runID, Text: reply}
	out.Steps++
	completion := 10 + len(strings.Fields(reply))
	out.Prompt += 2000
	out.Completion += completion
	out.Cached += s.addStep(agentID, runID, stepID, 2000, completion)
	if !s.appendHistory(agentID, reasoning, assistant) {
		out.Err = errAgentGone
		return out
	}
	if !sink.early([]*historyMsg{reasoning, assistant}) || !sink.step([]*historyMsg{reasoning, assistant}) {
		return s.finishRun(agentID, out, "cancelled")
	}
	return s.finishRun(agentID, out, "end_turn")
}

func (s *Server) finishRun(agentID string, out runOutcome, stop string) runOutcome {
	out.StopReason = stop
	s.mu.Lock()
	if a := s.agents[agentID]; a != nil {
		a.LastStopReason = stop
	}
	s.mu.Unlock()
	return out
}

// appendHistory stores messages; false when the agent no longer exists.
func (s *Server) appendHistory(agentID string, msgs ...*historyMsg) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.agents[agentID]
	if a == nil {
		return false
	}
	a.Messages = append(a.Messages, msgs...)
	return true
}

type runError string

func (e runError) Error() string { return string(e) }

const errAgentGone = runError("agent was deleted during the run")

// executeTool runs one tool for an agent. MCP tools go to their server (found
// through the mcp:<server_name> tag, by name) with the agent's variables and
// X-Agent-Id; Letta's built-in tools return "None". request_heartbeat is
// removed from the arguments, as Letta does.
func (s *Server) executeTool(ctx context.Context, agentID string, t *toolRec, args map[string]any, env map[string]string) toolCallResult {
	clean := make(map[string]any, len(args))
	for k, v := range args {
		if k != heartbeatParam {
			clean[k] = v
		}
	}
	var res toolCallResult
	if t.ToolType != "external_mcp" {
		res = toolCallResult{Return: "None", Status: "success"}
	} else {
		serverName := ""
		for _, tag := range t.Tags {
			if strings.HasPrefix(tag, "mcp:") {
				serverName = strings.Split(tag, ":")[1]
				break
			}
		}
		s.mu.Lock()
		srv := s.serverByName(serverName)
		var snap *mcpServerRec
		if srv != nil {
			snap = snapshotServer(srv)
		}
		s.mu.Unlock()
		if snap == nil {
			res = s.toolException(t.Name, "NoResultFound", "MCPServer with id=None not found.")
		} else {
			res = s.callTool(ctx, s.target(snap, env, agentID), t.Name, clean)
		}
	}
	if len(res.Return) > 50000 {
		res.Return = res.Return[:50000] + "... [NOTE: function output was truncated since it exceeded the character limit (" +
			strconv.Itoa(len(res.Return)) + " > 50000)]"
	}
	return res
}
