// Package fakeletta is an in-memory fake of a self-hosted Letta server, for
// the orchestrator's tests and for demos. It imitates either Letta 0.11.7
// ("OLD") or 0.16.8 ("NEW", the default) as described in
// ../shared/reference/letta.md, and was checked against the Letta sources at
// those tags and their OpenAPI specs. "0.16.6" (Version0166) plays NEW
// except for one thing: a changed block does not reach the compiled prompts
// of the other agents holding it (see "Compiled prompts" below); the other
// NEW behaviours that came with 0.16.7 (the private MCP URL block, no block
// limits) stay as 0.16.8 has them.
//
// # Use
//
//	fake := fakeletta.New(fakeletta.Options{Version: "0.11.7", AllowPrivateURLs: true})
//	srv := httptest.NewServer(fake)
//
// *Server is an http.Handler, safe for concurrent use; no panic escapes a
// request (a handler panic becomes Letta's generic 500).
//
// # Routes
//
// Both versions: GET /v1/health/; GET /v1/models/, GET /v1/models/embedding;
// GET /v1/tools/ (name, names, tool_ids, search, tool_types,
// exclude_tool_types, return_only_letta_tools, after, limit; NEW also before
// and order), GET and DELETE /v1/tools/{tool_id}; the legacy MCP routes
// GET/PUT /v1/tools/mcp/servers, PATCH/DELETE /v1/tools/mcp/servers/{name},
// GET /v1/tools/mcp/servers/{name}/tools (live listing) and
// POST /v1/tools/mcp/servers/{name}/{tool} (add one tool); agents
// GET/POST /v1/agents/, GET/PATCH/DELETE /v1/agents/{agent_id},
// GET /v1/agents/{agent_id}/tools, PATCH …/tools/attach/{tool_id} and
// …/tools/detach/{tool_id}; messages POST /v1/agents/{agent_id}/messages,
// POST …/messages/stream and GET …/messages (history); blocks
// GET/POST /v1/blocks/, GET/PATCH/DELETE /v1/blocks/{block_id},
// GET /v1/blocks/{block_id}/agents (the holders; before, after, limit 50,
// order desc), core-memory attach/detach; identities; runs and steps.
// NEW only: POST /v1/agents/{agent_id}/recompile (dry_run; answers the
// compiled system prompt as a JSON string); /v1/mcp-servers/ (list, create with auto-sync), /{id} (get,
// update, delete → 204), /{id}/tools, /{id}/tools/{tool_id},
// /{id}/tools/{tool_id}/run, /{id}/refresh, and POST
// /v1/tools/mcp/servers/{name}/resync.
//
// Collection routes carry a trailing slash; the other form gets Starlette's
// 307 redirect (absolute Location, query kept), unknown paths 404
// {"detail":"Not Found"}, other methods 405. Ids are "<prefix>-<uuid4>".
// Errors use each version's bodies: {"detail": …} (string, list or object),
// OLD 422 as FastAPI's list, NEW 422 as {"trace_id","detail":"<Python
// repr>","examples"?}, NEW 502 {"error":{"type":"mcp_connection_error",…}}.
//
// # Behaviour worth knowing
//
//   - OLD PUT /v1/tools/mcp/servers creates no tools (add them one by one;
//     INVALID schemas are refused with 400); OLD PATCH without
//     custom_headers erases them; OLD DELETE keeps the server's tools.
//   - NEW POST /v1/mcp-servers/ syncs the tools (INVALID skipped, failures
//     swallowed) and links them to the server; the legacy PUT on NEW syncs
//     without that link; NEW DELETE removes the server's tools.
//   - NEW refuses private, loopback and cluster-internal MCP URLs at
//     registration (422) and before every connection; Options.AllowPrivateURLs
//     lifts this for tests (real Letta 0.16.8 has no such switch).
//   - Every MCP operation opens its own session with the real go-sdk client
//     (streamable HTTP, or SSE for servers registered as such): listing and
//     syncing resolve header templates with defaults only; tool calls use the
//     agent's variables and send X-Agent-Id, and after a successful call the
//     tools are listed in the same session to check structuredContent against
//     the outputSchema (a mismatch becomes an error tool return).
//   - NEW answers some routes by caller: X-Stainless-Package-Version, no
//     User-Agent or letta-client/1.x count as the v1 SDK (attach/detach
//     return null, GET agent has no relationships unless include=…,
//     POST …/messages accepts "streaming": true); Go's default User-Agent is
//     a legacy caller.
//   - NEW pages an agent's tools (default limit 10) and compares the after
//     cursor with tool ids while sorting by creation time, as Letta does.
//   - Agents get Letta's base tools unless include_base_tools is false
//     (OLD memgpt_v2_agent: send_message, conversation_search,
//     memory_insert, memory_replace; NEW letta_v1_agent: the same without
//     send_message).
//   - Blocks exist on their own (/v1/blocks/) and may be held by many
//     agents (block_ids at creation, core-memory attach/detach): one block
//     per label per agent (a later one dropped at creation, 409 on attach);
//     deleting an agent keeps its blocks. The API edits read-only blocks;
//     the agent's memory tools (memory_insert, memory_replace,
//     core_memory_append, core_memory_replace) refuse them. OLD checks a
//     value against the block's limit, NEW (0.16.7+) does not.
//   - Identities (POST/GET/PATCH /v1/identities/; PUT answers 404 for a new
//     one) hold agents and blocks and typed properties. NEW answers every
//     identity with empty agent_ids and block_ids, as 0.16.x's ORM does
//     (the links hold: /v1/blocks/?identity_id=… finds them).
//   - Every message request is a run with one step per model call (tokens,
//     NEW cached tokens), listed by /v1/runs/ and, per run, by
//     /v1/runs/{run_id}/steps; OLD also lists them by /v1/steps/, which NEW
//     answers 400 whatever is asked (as 0.16.x does). NEW deletes an
//     agent's runs and steps with it. Step feedback: NEW body, OLD query.
//   - GET /v1/agents/{id}/messages answers as get_agent_recall_async does
//     in both versions' sources: a window of `limit` stored messages (OLD
//     default 10, NEW 100; a step's reasoning and tool calls are one stored
//     message sharing an id) before `before` / after `after` (an unknown id
//     is a 404), the newest window unless NEW's order=asc, and always
//     oldest first — NEW's default order=desc lists descending and then
//     reverses, whatever its description says. The fake used to return
//     NEW's list newest first, count LettaMessages and ignore the cursors.
//   - The schema health of MCP tools follows the 0.16.8 sources: NEW rates
//     listings after normalize_mcp_schema (so a bare $ref property is
//     NON_STRICT_ONLY there and gets synced) and stores the rating of the
//     normalised, $ref-inlined schema.
//
// # Compiled prompts
//
// Each agent keeps a snapshot of its blocks (label, value) as its compiled
// system prompt holds them, which is what its model sees: the scripted
// model's "recall <label>" lines answer from it; CompiledMemory,
// CompiledPrompt and Agent.Prompt show it. It is taken at creation, after
// the agent's own memory tool (every version) and by
// POST /v1/agents/{id}/recompile. Besides, OLD (0.11.x) takes it at every
// step, and 0.16.8 (0.16.7+) retakes it for every holder when a block's
// value or label changes (by the API or any agent's memory tool). 0.16.6
// does neither, as the real 0.12 to 0.16.6 (checked on 0.16.6 with
// e2e/realletta): another holder keeps the old text until it is
// recompiled. Attaching or detaching a block does not retake it (not
// checked against the real server).
//
// # Scripted model
//
// Agents do not call an LLM. A user message is read line by line; a line
//
//	call <tool_name> <json-object>
//
// makes the agent call that tool (arguments default to {}); several such
// lines give several calls, in order, each as its own step (reasoning
// message, tool call, tool return). A final step answers with one line per
// call: "<tool> returned: <text>", "<tool> failed: <text>",
// "I don't have a tool named <tool>." (not attached) or "I could not parse
// the arguments for <tool>: <reason>.". A message without call lines is
// answered "You said: <text>". A line "recall <label>" adds "My <label>
// memory: <value>" to the answer, from the agent's compiled prompt (see
// Compiled prompts). Built-in Letta tools return "None". The
// history is kept per agent (Server.Messages, GET …/messages).
// "also <tool> <json>" after a call line adds a call to the same step
// (parallel tool calls; as in letta_agent_v3, only when the agent's
// llm_config.parallel_tool_calls is on, see SetParallelToolCalls: off, the
// default, each call is its own step); "loop <tool> <json>" calls the tool again after
// every return, for ever (a model that loops; max_steps stops it).
//
// # Client tools and approvals (NEW, as Letta 0.16.2+)
//
// A request's client_tools ({name, description?, parameters?}) are tools the
// caller runs; a name overrides an attached tool of that name. When a step
// calls a client tool, or a tool with a requires_approval rule (PATCH
// /v1/agents/{id}/tools/approval/{tool_name}), the run pauses: an
// approval_request_message (tool_calls; with stream_tokens, fragments that
// each name their tool_call_id), then stop_reason "requires_approval". The
// other calls of that step are parked and run after the answer. The agent
// shows the pause as pending_approval with include=agent.pending_approval.
// The answer is a first message {"type":"approval","approvals":[…]} (or
// {"type":"tool_return","tool_returns":[…]}) covering exactly the pending
// calls: ToolReturn items carry a client tool's result (cut at
// max(5000, context_window*0.8) characters as Letta does, raw, not
// JSON-aware), ApprovalReturn items approve (Letta runs the tool) or deny
// (an error return "Error: request to call tool denied. User reason: …").
// User messages after the approval are taken in the same run. With
// stream_tokens, results the caller sent are not streamed back. A user
// message while a run is paused raises Letta's PendingApprovalError: 409
// {"detail":"CONFLICT: Cannot send a new message: …"} on POST …/messages,
// HTTP 200 with stop_reason "error", an error_message frame and [DONE] on
// …/stream. An approval whose calls were already answered (their returns
// among the last ten messages) is a keep-alive: the agent runs on; any
// other approval with nothing pending, or one that does not cover exactly
// the pending calls, is a ValueError (400; on a stream, error frames).
//
// # Streams
//
// Streams follow Letta's wire format: "data: <json>" events with pydantic's
// field order and LettaMessage fields (id, date, otid, step_id, …), then
// stop_reason, usage_statistics and "data: [DONE]". With stream_tokens the
// reasoning, tool call and assistant parts come as fragments sharing id and
// otid (NEW fragments carry tool_calls as one delta object). NEW adds the
// initial ping with the run id, run_id/seq_id, tool_calls and tool_returns.
// include_return_message_types filters; Options.PingInterval adds idle
// pings. Each event is flushed.
//
// # Faults and inspection
//
// SetFault / FailNext / ClearFaults make the next matching requests fail with
// a status, wait, cut a stream after N events (cleanly or by resetting the
// connection), omit [DONE] or end with the version's error frames; see
// Fault. DeleteAgentBehindBack removes an agent without a request.
// Agents, Agent, MCPServers, Tools, Messages, Blocks, CompiledMemory,
// CompiledPrompt and Requests/ResetRequests return snapshots for assertions.
//
// # Checked against the real server
//
// e2e/realletta runs the real Letta 0.16.8, 0.16.6 and 0.11.7 (PyPI) with a
// scripted model (fakellm). Differences found between the real server and
// this fake, each fixed here unless said otherwise:
//
//   - 0.11.7: a step-streamed tool_call_message carries request_heartbeat
//     in its arguments (the model sets it; Letta removes it only before the
//     call). Fixed: OLD agents' tool calls show "request_heartbeat": true.
//   - 0.11.7: with stream_tokens, the tool_call_message fragments of a call
//     whose arguments are not all strings do not join into JSON (its
//     inner-thoughts extractor quotes and reorders values:
//     {"fields":"[name","limit":"2,model""res.partner":"true}). Not
//     reproduced: the fake streams the arguments whole. odoo-mcp no longer
//     asks 0.11.x for token streaming (letta.Version.TokenStreamsWholeToolArguments).
//   - 0.16.8: the 422 for a private MCP URL renders the error in ctx as
//     ValueError('Non-public IP not allowed: 127.0.0.1'); the fake wrote {}.
//     Fixed (TestMatchesRealLetta replays the real answer).
//   - 0.11.7: when the model call of the first step fails (the model server
//     answers 400), POST …/messages/stream answers HTTP 500 whose body is
//     the stream's error frames (stop_reason "error", then "event: error"),
//     not a 200 stream. The fake has no model to fail; a test reproduces it
//     with Fault{Status: 500, Body: <those frames>}.
//   - 0.16.6 (same code in 0.16.8): without LETTA_ENCRYPTION_KEY, an agent
//     variable that Python's lenient base64 decodes to 45 bytes or more is
//     taken for Letta's own ciphertext and read back empty, in GET agent and
//     at tool execution (one JWT in four; the tool call then sends
//     "Authorization: Bearer "). Fixed: NEW stores such values empty. odoo-mcp
//     never issues such a token (letta/threads).
//   - 0.16.6 starts a token stream without the initial ping 0.16.8 sends
//     (both checked with include_pings). The fake follows 0.16.8.
//   - 0.16.8 (e2e/realletta TestThreadHistory): the history of a run
//     answered with client tools' results lists the approval request, then
//     an approval_response_message carrying the results (approvals items
//     of type "tool"), then the tool_return_message. Fixed: the fake stored
//     no answer; it now lists one (not streamed back). Also checked there:
//     both versions list oldest first by default; 0.11.7 lists the system
//     prompt, a boot assistant message and a login user message before the
//     first user message, and a heartbeat user message after each tool
//     return (the fake has none of these; letta/threads leaves them out).
//   - Checked and alike: the registration shapes odoo-mcp reads (OLD config
//     map, NEW server object with the templated custom_headers), the sync
//     and STRICT_COMPLIANT rating of odoo-mcp's six tools, the live listing's
//     health, the 0.16.6 token stream's tool arguments (whole), agent
//     deletion (404 afterwards).
//
// Pure helpers reused by tests elsewhere: ClassifySchema (Letta's
// strict-mode schema classifier), NormalizeMCPSchema, ResolveHeaders and
// ResolveValue (header templates), CheckMCPServerURL (NEW's URL block).
package fakeletta
