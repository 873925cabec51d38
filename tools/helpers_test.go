package tools

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

// harness runs the tools in an SDK server against a fake Odoo of one
// version, and talks to it with the SDK client over in-memory transports.
type harness struct {
	t       *testing.T
	fake    *fakeodoo.Server
	client  *odoorpc.Client
	session *mcp.ClientSession
	caller  Caller
	tools   map[string]*mcp.Tool
	// maxAttachment is Deps.MaxAttachmentBytes (0: the default)
	maxAttachment int64
}

func adminCaller(db string) Caller {
	return Caller{DB: db, UID: fakeodoo.AdminUID, Credentials: odoorpc.Credentials{UID: fakeodoo.AdminUID, Key: fakeodoo.AdminKey}}
}

func newHarness(t *testing.T, version string, policy Policy) *harness {
	t.Helper()
	return newHarnessCap(t, version, policy, 0)
}

// newHarnessCap is newHarness with an attachment size cap (0: the default).
func newHarnessCap(t *testing.T, version string, policy Policy, maxAttachment int64) *harness {
	t.Helper()
	fake := fakeodoo.New(fakeodoo.Options{Version: version})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	client, err := odoorpc.New(odoorpc.Config{URL: srv.URL, DB: fake.DB(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, fake: fake, client: client, caller: adminCaller(fake.DB()), tools: map[string]*mcp.Tool{}, maxAttachment: maxAttachment}
	// Detect the protocol now so round-trip counts below are per call.
	if _, err := client.Protocol(context.Background()); err != nil {
		t.Fatal(err)
	}
	server := mcp.NewServer(&mcp.Implementation{Name: "test", Version: "v0"}, nil)
	Register(server, Deps{Odoo: client, Policy: policy, Caller: func(context.Context, *mcp.CallToolRequest) (Caller, error) {
		return h.caller, nil
	}, ResourceCaller: func(context.Context, *mcp.ReadResourceRequest) (Caller, error) {
		return h.caller, nil
	}, MaxAttachmentBytes: h.maxAttachment})
	for _, tool := range Enabled(policy) {
		h.tools[tool.Def.Name] = tool.Def
	}
	st, ct := mcp.NewInMemoryTransports()
	ctx := context.Background()
	ss, err := server.Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "client", Version: "v0"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	h.session = cs
	fake.ResetCounters()
	return h
}

// call runs a tool and returns its result; it fails the test on protocol
// errors and checks every structured result against the tool's output schema.
func (h *harness) call(name string, args any) *mcp.CallToolResult {
	h.t.Helper()
	res, err := h.session.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		h.t.Fatalf("%s: protocol error: %v", name, err)
	}
	if !res.IsError {
		h.checkOutput(name, res)
	}
	return res
}

func (h *harness) checkOutput(name string, res *mcp.CallToolResult) {
	h.t.Helper()
	def := h.tools[name]
	if def == nil || def.OutputSchema == nil {
		h.t.Fatalf("%s has no output schema", name)
	}
	var s jsonschema.Schema
	b, _ := json.Marshal(def.OutputSchema)
	if err := json.Unmarshal(b, &s); err != nil {
		h.t.Fatal(err)
	}
	resolved, err := s.Resolve(nil)
	if err != nil {
		h.t.Fatal(err)
	}
	var structured any
	b, _ = json.Marshal(res.StructuredContent)
	json.Unmarshal(b, &structured)
	if err := resolved.Validate(structured); err != nil {
		h.t.Fatalf("%s: structured result does not match its output schema: %v\n%s", name, err, b)
	}
	if len(res.Content) == 0 {
		h.t.Fatalf("%s: no content", name)
	}
	// One text block, then only resource links to odoo:// resources.
	for i, c := range res.Content[1:] {
		l, ok := c.(*mcp.ResourceLink)
		if !ok || !strings.HasPrefix(l.URI, "odoo://") || l.Name == "" {
			h.t.Fatalf("%s: content item %d is %T %+v, want a resource link to odoo://", name, i+1, c, c)
		}
	}
	text := res.Content[0].(*mcp.TextContent).Text
	var fromText any
	if err := json.Unmarshal([]byte(text), &fromText); err != nil {
		h.t.Fatalf("%s: text block is not JSON: %v", name, err)
	}
}

// ok calls a tool that must succeed and decodes its structured result.
func (h *harness) ok(name string, args any) map[string]any {
	h.t.Helper()
	res := h.call(name, args)
	if res.IsError {
		h.t.Fatalf("%s(%v) failed: %s", name, args, text(res))
	}
	var out map[string]any
	b, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(b, &out); err != nil {
		h.t.Fatal(err)
	}
	return out
}

// fails calls a tool that must fail and returns its error text.
func (h *harness) fails(name string, args any) string {
	h.t.Helper()
	res := h.call(name, args)
	if !res.IsError {
		h.t.Fatalf("%s(%v) succeeded, want an error: %s", name, args, text(res))
	}
	return text(res)
}

// requests is the number of Odoo requests since the last reset.
func (h *harness) requests() int {
	n := h.fake.Requests()
	h.fake.ResetCounters()
	return n
}

func text(res *mcp.CallToolResult) string {
	if len(res.Content) == 0 {
		return ""
	}
	if tc, ok := res.Content[0].(*mcp.TextContent); ok {
		return tc.Text
	}
	return ""
}

var versions = []string{"18.0", "19.0"}

type (
	mcpCallToolRequest   = mcp.CallToolRequest
	mcpCallToolResult    = mcp.CallToolResult
	mcpCallToolParamsRaw = mcp.CallToolParamsRaw
)
