package fakeletta

import (
	"context"
	"encoding/json"
	"fmt"
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
	Calls      []callRec      // approval_request_message: every call awaiting an answer
	Approvals  []approvalItem // approval_response_message: the answer as given
	FromCaller bool           // a result the caller sent or caused (not streamed back with tokens)
}

// callRec is one tool call of an approval request.
type callRec struct {
	Name, Args, ID string
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
	Err        error // the agent disappeared, a pending approval, a bad approval
}

// runInput is what one request gives the agent.
type runInput struct {
	Messages    []inputMsg
	Approval    *approvalInput // an approval (or tool_return) message first
	ClientTools []string       // names of the request's client_tools
	MaxSteps    int            // 0: Letta's default, 50
}

// approvalInput is an ApprovalCreate: one item per pending tool call.
type approvalInput struct {
	Items []approvalItem
}

// approvalItem is a ToolReturn (Kind "tool": a client tool's result) or an
// ApprovalReturn (Kind "approval": approve or deny a server tool).
type approvalItem struct {
	Kind       string
	ToolCallID string
	Return     string
	Status     string
	Approve    bool
	Reason     string
}

// pendingRun is a run paused on an approval request (client tools, or
// tools that require approval), kept in the agent until answered.
type pendingRun struct {
	Request *historyMsg   // the approval_request_message
	Calls   []pendingCall // the calls awaiting an answer
	Parked  []pendingCall // server calls of the same step, run after the answer
	Rest    []scriptStep  // the script's remaining steps
	Answer  []string      // the final answer's lines so far
	Recall  []string      // labels of the script's recall lines
}

type pendingCall struct {
	ID   string
	Call scriptCall
}

// The errors Letta raises before a run starts (agents/helpers.py).
type lettaRunError struct {
	conflict bool // PendingApprovalError: 409, else ValueError: 400
	msg      string
}

func (e *lettaRunError) Error() string { return e.msg }

var errPendingApproval = &lettaRunError{conflict: true,
	msg: "CONFLICT: Cannot send a new message: The agent is waiting for approval on a tool call. Please approve or deny the pending request before continuing."}

const keepAliveText = "<system-alert>Automated keep-alive ping. Ignore this message and continue from where you stopped.</system-alert>"

const defaultMaxSteps = 50

// runAgent executes the scripted model for one request: a new user message,
// or the answer to a pending approval request, which resumes the paused run.
func (s *Server) runAgent(ctx context.Context, agentID, runID string, in runInput, sink runSink) runOutcome {
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
	client := map[string]bool{}
	for _, n := range in.ClientTools {
		client[n] = true
	}
	needsApproval := map[string]bool{}
	for _, n := range a.ApprovalTools {
		needsApproval[n] = true
	}
	returnCap := clientReturnCap(a.LLMConfig)
	parallel, _ := a.LLMConfig["parallel_tool_calls"].(bool)
	var st *pendingRun
	if in.Approval != nil {
		switch {
		case a.Pending == nil && s.alreadyAnswered(a, in.Approval):
			// A repeated approval is a keep-alive: the agent goes on.
			if len(in.Messages) == 0 {
				in.Messages = []inputMsg{{Role: "user", Text: keepAliveText}}
			}
		case a.Pending == nil:
			s.mu.Unlock()
			return runOutcome{Err: &lettaRunError{msg: "Cannot process approval response: No tool call is currently awaiting approval. Please send a regular message to interact with the agent."}}
		default:
			if err := checkApprovalIDs(a.Pending, in.Approval); err != nil {
				s.mu.Unlock()
				return runOutcome{Err: err}
			}
			st, a.Pending = a.Pending, nil
		}
	} else if a.Pending != nil {
		s.mu.Unlock()
		return runOutcome{Err: errPendingApproval}
	}
	var userText []string
	for _, m := range in.Messages {
		typ := "user_message"
		if m.Role == "system" {
			typ = "system_message"
		} else if m.Role == "assistant" {
			typ = "assistant_message"
		}
		a.Messages = append(a.Messages, &historyMsg{MessageID: newID("message"), Type: typ, Date: s.now().UTC(), Otid: m.Otid, RunID: runID, Text: m.Text})
		if m.Role == "user" && m.Text != keepAliveText {
			userText = append(userText, m.Text)
		}
	}
	s.mu.Unlock()

	text := strings.Join(userText, "\n")
	out := runOutcome{StopReason: "end_turn"}
	maxSteps := in.MaxSteps
	if maxSteps <= 0 {
		maxSteps = defaultMaxSteps
	}
	if st != nil {
		items := map[string]approvalItem{}
		for _, it := range in.Approval.Items {
			items[it.ToolCallID] = it
		}
		var rets []*historyMsg
		for _, pc := range st.Calls {
			it := items[pc.ID]
			var res toolCallResult
			executed := false
			switch {
			case it.Kind == "tool":
				res = toolCallResult{Return: clampClientReturn(it.Return, returnCap), Status: firstNonEmpty(it.Status, "success")}
			case it.Approve && tools[pc.Call.Tool] != nil:
				res, executed = s.executeTool(ctx, agentID, tools[pc.Call.Tool], pc.Call.Args, env), true
			case it.Approve:
				res = toolCallResult{Return: "Error: tool " + pc.Call.Tool + " is not attached to the agent", Status: "error"}
			default:
				res = toolCallResult{Return: "Error: request to call tool denied. User reason: " + it.Reason, Status: "error"}
			}
			rets = append(rets, s.returnMsg(st.Request.StepID, runID, pc, res, !executed))
			st.Answer = append(st.Answer, answerLine(pc.Call, &res))
		}
		for _, pc := range st.Parked {
			res := s.executeTool(ctx, agentID, tools[pc.Call.Tool], pc.Call.Args, env)
			rets = append(rets, s.returnMsg(st.Request.StepID, runID, pc, res, false))
			st.Answer = append(st.Answer, answerLine(pc.Call, &res))
		}
		// Letta stores the answer itself first (listed, not streamed back).
		answer := &historyMsg{MessageID: newID("message"), Type: "approval_response_message", Date: s.now().UTC(), RunID: runID, Approvals: in.Approval.Items}
		if !s.appendHistory(agentID, append([]*historyMsg{answer}, rets...)...) {
			return runOutcome{Err: errAgentGone}
		}
		if !sink.step(rets) {
			return s.finishRun(agentID, out, "cancelled")
		}
	} else {
		st = &pendingRun{Rest: parseSteps(text), Recall: parseRecalls(text)}
		if !parallel {
			// Without parallel_tool_calls a step keeps one call; the model
			// makes the others in the steps after.
			var one []scriptStep
			for _, step := range st.Rest {
				for _, c := range step {
					one = append(one, scriptStep{c})
				}
			}
			st.Rest = one
		}
	}

	for len(st.Rest) > 0 {
		if out.Steps >= maxSteps {
			return s.finishRun(agentID, out, "max_steps")
		}
		step := st.Rest[0]
		st.Rest = st.Rest[1:]
		s.stepMemory(agentID)
		var valid []pendingCall
		loops := false
		for _, c := range step {
			if c.ArgsErr != nil || (tools[c.Tool] == nil && !client[c.Tool]) {
				st.Answer = append(st.Answer, answerLine(c, nil))
				continue
			}
			loops = loops || c.Loop
			valid = append(valid, pendingCall{ID: "call_" + strings.ReplaceAll(newUUID(), "-", "")[:24], Call: c})
		}
		if loops {
			st.Rest = append([]scriptStep{step}, st.Rest...)
		}
		if len(valid) == 0 {
			continue
		}
		stepID, msgID := newID("step"), newID("message")
		now := s.now().UTC()
		var names []string
		for _, pc := range valid {
			names = append(names, pc.Call.Tool)
		}
		reasoning := &historyMsg{MessageID: msgID, Type: "reasoning_message", Date: now, Otid: otidFromID(msgID, 0), StepID: stepID, RunID: runID,
			Text: "The user asked me to call " + strings.Join(names, ", ") + "."}
		out.Steps++
		out.Prompt += 2000
		out.Completion += 20
		stepCompletion := 20 // this step's, for its step record
		// Client tools and tools that require approval pause the run; the
		// other calls of the step are parked until the answer.
		var requested, allowed []pendingCall
		for _, pc := range valid {
			if client[pc.Call.Tool] || needsApproval[pc.Call.Tool] {
				requested = append(requested, pc)
			} else {
				allowed = append(allowed, pc)
			}
		}
		if len(requested) > 0 {
			req := &historyMsg{MessageID: msgID, Type: "approval_request_message", Date: now, Otid: otidFromID(msgID, 1), StepID: stepID, RunID: runID}
			for _, pc := range requested {
				req.Calls = append(req.Calls, callRec{Name: pc.Call.Tool, Args: pc.Call.RawArgs, ID: pc.ID})
			}
			req.ToolName, req.ToolArgs, req.ToolCallID = req.Calls[0].Name, req.Calls[0].Args, req.Calls[0].ID
			if !sink.early([]*historyMsg{reasoning, req}) {
				return s.finishRun(agentID, out, "cancelled")
			}
			st.Request, st.Calls, st.Parked = req, requested, allowed
			s.mu.Lock()
			if a := s.agents[agentID]; a != nil {
				a.Messages = append(a.Messages, reasoning, req)
				a.Pending = st
			}
			s.mu.Unlock()
			out.Cached += s.addStep(agentID, runID, stepID, 2000, stepCompletion)
			if !sink.step([]*historyMsg{reasoning, req}) {
				return s.finishRun(agentID, out, "cancelled")
			}
			return s.finishRun(agentID, out, "requires_approval")
		}
		for i, pc := range valid {
			callMsg := &historyMsg{MessageID: msgID, Type: "tool_call_message", Date: now, Otid: otidFromID(msgID, 1+i), StepID: stepID, RunID: runID,
				ToolName: pc.Call.Tool, ToolArgs: s.modelArgs(pc.Call.RawArgs), ToolCallID: pc.ID}
			early := []*historyMsg{callMsg}
			if i == 0 {
				early = []*historyMsg{reasoning, callMsg}
			}
			if !sink.early(early) {
				return s.finishRun(agentID, out, "cancelled")
			}
			res := s.executeTool(ctx, agentID, tools[pc.Call.Tool], pc.Call.Args, env)
			ret := s.returnMsg(stepID, runID, pc, res, false)
			out.Completion += len(strings.Fields(pc.Call.RawArgs))
			stepCompletion += len(strings.Fields(pc.Call.RawArgs))
			if i == len(valid)-1 {
				out.Cached += s.addStep(agentID, runID, stepID, 2000, stepCompletion)
			}
			if !s.appendHistory(agentID, append(early, ret)...) {
				out.Err = errAgentGone
				return out
			}
			if !sink.step(append(early, ret)) {
				return s.finishRun(agentID, out, "cancelled")
			}
			st.Answer = append(st.Answer, answerLine(pc.Call, &res))
		}
	}

	s.stepMemory(agentID)
	if len(st.Recall) > 0 {
		s.mu.Lock()
		a := s.agents[agentID]
		if a == nil {
			s.mu.Unlock()
			return runOutcome{Err: errAgentGone}
		}
		for _, label := range st.Recall {
			st.Answer = append(st.Answer, recallLine(a, label))
		}
		s.mu.Unlock()
	}
	reply := "You said: " + strings.TrimSpace(text)
	if len(st.Answer) > 0 {
		reply = strings.Join(st.Answer, "\n")
	} else if text == "" {
		reply = "OK."
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

// returnMsg is the tool_return_message of one call. fromCaller marks
// results the caller already knows (client tools, denials): Letta's token
// streaming does not send those back.
func (s *Server) returnMsg(stepID, runID string, pc pendingCall, res toolCallResult, fromCaller bool) *historyMsg {
	id := newID("message")
	return &historyMsg{MessageID: id, Type: "tool_return_message", Date: s.now().UTC(), Otid: otidFromID(id, 0), StepID: stepID, RunID: runID,
		Text: res.Return, Status: res.Status, ToolName: pc.Call.Tool, ToolCallID: pc.ID, FromCaller: fromCaller}
}

// checkApprovalIDs: the answer must cover exactly the pending calls
// (validate_approval_tool_call_ids, a symmetric difference).
func checkApprovalIDs(p *pendingRun, ap *approvalInput) error {
	want := map[string]bool{}
	var wantList, gotList []string
	for _, pc := range p.Calls {
		want[pc.ID] = true
		wantList = append(wantList, pc.ID)
	}
	got := map[string]bool{}
	for _, it := range ap.Items {
		got[it.ToolCallID] = true
		gotList = append(gotList, it.ToolCallID)
	}
	same := len(want) == len(got)
	for id := range got {
		same = same && want[id]
	}
	if !same {
		return &lettaRunError{msg: fmt.Sprintf("Invalid tool call IDs. Expected '%s', but received '%s'.", pyList(wantList), pyList(gotList))}
	}
	return nil
}

func pyList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = "'" + s + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// alreadyAnswered: the approval's calls have their returns among the last
// ten messages (Letta's idempotency check). Callers hold s.mu.
func (s *Server) alreadyAnswered(a *agentRec, ap *approvalInput) bool {
	if len(ap.Items) == 0 {
		return false
	}
	recent := a.Messages[max(0, len(a.Messages)-10):]
	seen := map[string]bool{}
	for _, m := range recent {
		if m.Type == "tool_return_message" {
			seen[m.ToolCallID] = true
		}
	}
	for _, it := range ap.Items {
		if !seen[it.ToolCallID] {
			return false
		}
	}
	return true
}

// clientReturnCap is Letta's cap on a client tool's result: 20 % of the
// context window at 4 characters a token, at least 5000 characters.
func clientReturnCap(llm map[string]any) int {
	cw, _ := llm["context_window"].(float64)
	if n, ok := llm["context_window"].(int); ok {
		cw = float64(n)
	}
	return max(5000, int(cw*0.2*4))
}

// clampClientReturn cuts a long client result as Letta 0.16.8 does: the
// "message" field of a JSON object holding one, else the raw string — so a
// long JSON result arrives broken.
func clampClientReturn(ret string, limit int) string {
	var obj map[string]any
	if json.Unmarshal([]byte(ret), &obj) == nil {
		if msg, ok := obj["message"].(string); ok {
			if len(msg) > limit {
				obj["message"] = msg[:limit] + fmt.Sprintf("... [truncated %d chars]", len(msg)-limit)
				b, _ := json.Marshal(obj)
				return string(b)
			}
			return ret
		}
	}
	if len(ret) > limit {
		return ret[:limit] + fmt.Sprintf("... [truncated %d chars]", len(ret)-limit)
	}
	return ret
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

// modelArgs is the arguments of a call as the model sends them. OLD's
// memgpt_v2_agent adds a required request_heartbeat to every tool, a model
// sets it to keep stepping, and real Letta 0.11.7 shows it in the
// tool_call_message (checked with e2e/realletta); NEW's letta_v1_agent
// removes it from the schemas, so the model never sends it.
func (s *Server) modelArgs(raw string) string {
	if s.isNew || strings.Contains(raw, `"`+heartbeatParam+`"`) {
		return raw
	}
	t := strings.TrimSpace(raw)
	if !strings.HasSuffix(t, "}") {
		return raw
	}
	body := strings.TrimSpace(strings.TrimSuffix(t, "}"))
	sep := ","
	if body == "{" {
		sep = ""
	}
	return body + sep + `"` + heartbeatParam + `":true}`
}

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
		var ok bool
		if res, ok = s.memoryTool(agentID, t.Name, clean); !ok {
			res = toolCallResult{Return: "None", Status: "success"}
		}
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

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
