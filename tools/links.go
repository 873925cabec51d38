package tools

import (
	"context"
	"strconv"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The retriever and the creator add a resource_link content item for each
// record they name (odoo://<model>/<id>, and an attachment's file), so a
// client that shows resources can open them. The JSON text block and
// structuredContent stay as they were.
//
// Letta is left out: its MCP client turns every non-text content item into
// text (Python repr) appended to the tool's answer, which would only cost
// the agent tokens. Letta sends X-Agent-Id on every tool call, which is
// how it is recognised.

// maxLinks bounds the links of one result: a page of a thousand records
// keeps its thousand ids in the JSON; the links are for people to open.
const maxLinks = 100

// linker is implemented by results that name records.
type linker interface {
	resourceLinks() []*mcp.ResourceLink
}

func (r retrieverResult) resourceLinks() []*mcp.ResourceLink {
	return recordLinks(r.Model, recordIDs(r.Records), nil)
}

func (r creatorResult) resourceLinks() []*mcp.ResourceLink {
	ids := make([]int64, len(r.Records))
	titles := make([]string, len(r.Records))
	for i, rec := range r.Records {
		ids[i], titles[i] = rec.ID, rec.DisplayName
	}
	return recordLinks(r.Model, ids, titles)
}

func recordLinks(model string, ids []int64, titles []string) []*mcp.ResourceLink {
	if model == "" || len(ids) == 0 {
		return nil
	}
	if len(ids) > maxLinks {
		ids = ids[:maxLinks]
	}
	attachment := model == "ir.attachment"
	per := 1
	if attachment {
		per = 2
	}
	// One string holds every URI and one array every link: a page of
	// records costs three allocations, not two per record.
	var b strings.Builder
	b.Grow(len(ids) * per * (len("odoo://") + len(model) + 16))
	type span struct{ start, end int }
	spans := make([]span, 0, len(ids)*per)
	for _, id := range ids {
		start := b.Len()
		b.WriteString("odoo://")
		b.WriteString(model)
		b.WriteByte('/')
		b.WriteString(strconv.FormatInt(id, 10))
		spans = append(spans, span{start, b.Len()})
		if attachment {
			start := b.Len()
			b.WriteString("odoo://ir.attachment/")
			b.WriteString(strconv.FormatInt(id, 10))
			b.WriteString("/content")
			spans = append(spans, span{start, b.Len()})
		}
	}
	all := b.String()
	links := make([]mcp.ResourceLink, len(spans))
	out := make([]*mcp.ResourceLink, len(spans))
	for i, sp := range spans {
		uri := all[sp.start:sp.end]
		l := &links[i]
		l.URI, l.Name = uri, uri[len("odoo://"):]
		if k := i / per; k < len(titles) {
			l.Title = titles[k]
		}
		if i%per == 0 {
			l.MIMEType = "application/json"
		} else {
			l.Description = "the attachment's file"
		}
		out[i] = l
	}
	return out
}

// wantsLinks tells whether the caller of req gets resource links: every
// MCP client but Letta (see above). Runner's calls (Letta's client-tools
// mode) keep only text, and it reads only text.
func wantsLinks(ctx context.Context, req *mcp.CallToolRequest) bool {
	if _, runner := ctx.Value(runnerCallerKey{}).(Caller); runner {
		return false
	}
	if req == nil || req.Extra == nil || req.Extra.Header == nil {
		return true
	}
	return req.Extra.Header.Get("X-Agent-Id") == ""
}

// addLinks appends out's resource links to a successful result.
func addLinks(ctx context.Context, res *mcp.CallToolResult, out any, req *mcp.CallToolRequest) {
	l, ok := out.(linker)
	if !ok || res == nil || res.IsError || !wantsLinks(ctx, req) {
		return
	}
	for _, link := range l.resourceLinks() {
		res.Content = append(res.Content, link)
	}
}
