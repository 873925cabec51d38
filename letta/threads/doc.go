// Package threads keeps one Letta agent per chat thread for odoo-mcp: it
// registers odoo-mcp's /mcp with Letta, declares, reads, lists and deletes
// threads, relays the agent's replies as they stream, and answers whether a
// thread token is still current (auth.Revocations).
//
// Design notes:
//
//   - No durable state here. The thread → agent mapping lives in Letta:
//     every agent carries the tag "odoo-mcp", a per-user tag and a
//     per-thread tag (hashes of the MCP server name, database, uid and
//     thread id), and its metadata records the owner, the thread id, the
//     granted tools, the LLM settings asked for and the id of its current
//     thread token. Any replica serves any thread; a restart loses nothing.
//   - Concurrency. Declarations of one thread are serialised per process
//     (a keyed lock); across replicas, whoever creates an agent lists the
//     thread's agents again and keeps the oldest (created_at, then id),
//     deleting the others, so concurrent declarations end with one agent.
//   - Failures. A creation that fails after the agent exists deletes it; if
//     even that fails, the leftover agent has no token (it can list tools,
//     not call them) and the next declaration adopts it.
//   - Tokens. A thread token grants exactly the thread's tools. When they
//     change, the new token is written (with the agent's metadata) before
//     tools are attached or detached, so a half-done change never grants
//     more than declared. Tokens are also reissued when the caller's Odoo
//     key changed (an HMAC fingerprint in the metadata tells) and when half
//     of their lifetime is gone.
//   - Tool modes. In MCP mode Letta calls odoo-mcp's /mcp with the thread
//     token. In client-tools mode (Letta 0.16.2+, Letta Cloud) the thread's
//     tools go as client_tools on every request; a call pauses the run, and
//     the request that sent the message runs it in-process (ToolRunner) as
//     the thread's user and resumes the run: one caller stream per turn,
//     whatever the number of Letta requests (turn.go). Nothing secret is
//     stored in Letta in that mode.
//   - Pauses live in Letta (the agent's pending_approval), never here: a
//     leftover pause is answered as abandoned with the thread's next message;
//     calls the thread declared in "approve" wait for POST …/approvals, which
//     any replica can take.
//   - Streams are relayed event by event (flushed, never buffered); a
//     client that leaves cancels the upstream request; a cut stream ends
//     with an "error" event and a "done" event, never a hang.
package threads
