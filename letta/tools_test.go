package letta

import (
	"context"
	"fmt"
	"strconv"
	"testing"
)

// TestListAgentTools: NEW paginates agent tools with a default limit of 10
// (and cursor paging may skip tools, §1.9); the client asks growing limits
// without a cursor. OLD answers everything whatever the query.
func TestListAgentTools(t *testing.T) {
	for _, total := range []int{0, 3, 199, 200, 450} {
		for _, v := range versions {
			t.Run(fmt.Sprintf("%s/%d", v, total), func(t *testing.T) {
				f := newFake(t, v)
				f.on("GET /v1/agents/{agent_id}/tools", func(c call) reply {
					if c.Query.Get("after") != "" {
						t.Error("agent tools paged with a cursor")
					}
					n := total
					if isNew(v) {
						limit := 10
						if l := c.Query.Get("limit"); l != "" {
							limit, _ = strconv.Atoi(l)
						}
						n = min(n, limit)
					}
					tools := []any{}
					for i := 1; i <= n; i++ {
						tools = append(tools, toolObj(i, fmt.Sprint("t", i), "odoo"))
					}
					return reply{body: tools}
				})
				c := f.client(t, Options{})
				tools, err := c.ListAgentTools(context.Background(), uuidID("agent", 1))
				if err != nil {
					t.Fatal(err)
				}
				if len(tools) != total {
					t.Fatalf("got %d tools, want %d", len(tools), total)
				}
				for i, tl := range tools {
					if tl.ID != uuidID("tool", i+1) {
						t.Fatalf("tool %d = %s", i, tl.ID)
					}
				}
			})
		}
	}
}

func TestAttachDetach(t *testing.T) {
	for _, v := range versions {
		// NEW answers null to v1 callers and an AgentState to legacy
		// callers; both are accepted.
		for _, nullBody := range []bool{false, true} {
			if nullBody && !isNew(v) {
				continue
			}
			t.Run(fmt.Sprintf("%s/null=%v", v, nullBody), func(t *testing.T) {
				f := newFake(t, v)
				answer := func(c call) reply {
					if nullBody {
						return reply{raw: "null"}
					}
					return reply{body: agentState(v, c.Params["agent_id"], "a", nil, nil)}
				}
				f.on("PATCH /v1/agents/{agent_id}/tools/attach/{tool_id}", answer)
				f.on("PATCH /v1/agents/{agent_id}/tools/detach/{tool_id}", answer)
				c := f.client(t, Options{})
				ctx := context.Background()
				agent, tool := uuidID("agent", 1), uuidID("tool", 2)
				if err := c.AttachTool(ctx, agent, tool); err != nil {
					t.Fatal(err)
				}
				if err := c.DetachTool(ctx, agent, tool); err != nil {
					t.Fatal(err)
				}
				for _, cl := range f.callsTo("") {
					if cl.Params["agent_id"] != agent || cl.Params["tool_id"] != tool || len(cl.Body) != 0 {
						t.Errorf("%s %s params %v body %q", cl.Method, cl.Path, cl.Params, cl.Body)
					}
				}
			})
		}
	}
	t.Run("unknown tool", func(t *testing.T) {
		f := newFake(t, vOld)
		f.on("PATCH /v1/agents/{agent_id}/tools/attach/{tool_id}", func(c call) reply {
			return reply{status: 404, raw: `{"detail":"Tool with id=` + c.Params["tool_id"] + ` not found in organization=org-1"}`}
		})
		err := f.client(t, Options{}).AttachTool(context.Background(), uuidID("agent", 1), uuidID("tool", 9))
		if !IsNotFound(err) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestListTools(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			f := newFake(t, v)
			all := []any{}
			for i := 1; i <= 3; i++ {
				all = append(all, toolObj(i, fmt.Sprint("odoo_t", i), "odoo"))
			}
			all = append(all, toolObj(4, "memory_insert", ""))
			f.on("GET /v1/tools/", func(c call) reply {
				var out []any
				started := c.Query.Get("after") == ""
				for _, x := range all {
					m := x.(map[string]any)
					if !started {
						started = m["id"] == c.Query.Get("after")
						continue
					}
					if n := c.Query.Get("name"); n != "" && m["name"] != n {
						continue
					}
					if tt := c.Query.Get("tool_types"); tt != "" && m["tool_type"] != tt {
						continue
					}
					out = append(out, m)
				}
				if out == nil {
					out = []any{}
				}
				return reply{body: out}
			})
			c := f.client(t, Options{})
			ctx := context.Background()
			got, err := c.ListTools(ctx, "odoo_t2")
			if err != nil || len(got) != 1 || got[0].ID != uuidID("tool", 2) {
				t.Fatalf("ListTools(name) = %+v, %v", got, err)
			}
			got, err = c.ListTools(ctx, "")
			if err != nil || len(got) != 4 {
				t.Fatalf("ListTools() = %d, %v", len(got), err)
			}
			got, err = c.ListToolsByType(ctx, ToolTypeExternalMCP)
			if err != nil || len(got) != 3 {
				t.Fatalf("ListToolsByType = %d, %v", len(got), err)
			}
			if q := f.callsTo("GET /v1/tools/")[0].Query; q.Get("name") != "odoo_t2" || q.Get("limit") == "" {
				t.Errorf("query = %v", q)
			}
		})
	}
}
