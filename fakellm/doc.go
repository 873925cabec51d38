// Package fakellm is a scripted OpenAI-compatible model server: the LLM and
// embedding provider of the real Letta server in the real-Letta tests
// (e2e/realletta), so that Letta runs its own agent loop, MCP client and
// stream framing against a model whose every answer the test chose.
//
// # Routes
//
//	GET  /v1/models, /v1/models/{id}   the configured model ids (with context_length)
//	POST /v1/chat/completions          streamed (SSE chunks, stream_options.include_usage) or not; tool calls
//	POST /v1/embeddings                deterministic unit vectors; float or base64 encoding
//
// Anything else is answered 404 in OpenAI's error shape, logged loudly and
// kept in Unknown(), so a test can fail on a route Letta calls that the
// fake does not know (the Responses API is only used by Letta for o-series
// and gpt-5 models, which the fake never lists).
//
// # Scripts
//
// A reply is chosen per conversation: Script(key, steps...) applies to a
// conversation whose last user message containing a scripted key (substring,
// so Letta's JSON wrappers around user text do not matter) contains key.
// Step i answers the model call made after i tool rounds of that turn: a
// step either calls tools (Call) or answers text (Say, or Quote, whose text
// is computed from the tool results fed back so far). Past the last step,
// and for conversations no script matches (Letta's own side calls), the
// answer is the text "ok".
//
// Letta's bookkeeping is filled in as a model would: when a tool's schema
// has request_heartbeat the call sets it true (so 0.11.7 keeps stepping
// after a tool), the inner-thoughts argument ("thinking") comes first with a
// short thought, and where the request
// forces a tool call (tool_choice "required" or a named function, 0.11.7's
// memgpt_v2_agent) a text answer is sent as send_message {"message": …}.
//
// # Strict mode
//
// A tool sent with "strict": true whose parameters OpenAI's strict mode
// refuses is answered 400 invalid_request_error, as OpenAI does: every
// object node needs "additionalProperties": false and every property listed
// in "required"; arrays need "items"; keywords outside strict mode's subset
// (default, minLength, format …) are refused; the root is an object. So a
// test catches a schema Letta sends in a form the real OpenAI would refuse.
//
// # Recording
//
// Every request is kept (Requests, ChatRequests) with its body, so a test
// can assert what Letta sent the model: the tool schemas, the tool results
// fed back, the stream options.
package fakellm
