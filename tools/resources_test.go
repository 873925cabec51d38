package tools

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

func (h *harness) read(uri string) (*mcp.ReadResourceResult, error) {
	return h.session.ReadResource(context.Background(), &mcp.ReadResourceParams{URI: uri})
}

func (h *harness) readFails(uri, want string) {
	h.t.Helper()
	res, err := h.read(uri)
	if err == nil {
		h.t.Fatalf("%s: read succeeded (%d contents), want an error with %q", uri, len(res.Contents), want)
	}
	if !strings.Contains(err.Error(), want) {
		h.t.Fatalf("%s: error %q, want it to contain %q", uri, err, want)
	}
}

func TestRecordResource(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			h := newHarness(t, v, Policy{})
			res, err := h.read("odoo://res.partner/7")
			if err != nil {
				t.Fatal(err)
			}
			if n := h.requests(); n != 2 {
				t.Errorf("cold record read made %d Odoo requests, want 2 (fields_get, read)", n)
			}
			if len(res.Contents) != 1 || res.Contents[0].MIMEType != "application/json" || res.Contents[0].URI != "odoo://res.partner/7" {
				t.Fatalf("contents %+v", res.Contents)
			}
			var rec map[string]any
			if err := json.Unmarshal([]byte(res.Contents[0].Text), &rec); err != nil {
				t.Fatal(err)
			}
			if rec["id"] != float64(7) || rec["display_name"] != "Azure Interior" {
				t.Errorf("record %v", rec)
			}
			if _, ok := rec["image_1920"]; ok {
				t.Error("the default fields include an image")
			}
			if res.CacheScope != "private" || res.TTLMs != 0 {
				t.Errorf("cache %q %d, want private, 0", res.CacheScope, res.TTLMs)
			}
			if _, err := h.read("odoo://res.partner/8"); err != nil {
				t.Fatal(err)
			}
			if n := h.requests(); n != 1 {
				t.Errorf("warm record read made %d Odoo requests, want 1", n)
			}

			h.readFails("odoo://res.partner/99999", "Resource not found")
			h.readFails("odoo://res.partner/abc", "is not a record id")
			h.readFails("odoo://no.such.model/1", "no such model")
		})
	}
}

func TestAttachmentResource(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			h := newHarness(t, v, Policy{})
			// A configured bin_size must not turn the content into a size.
			h.caller.Context = map[string]any{"bin_size": true}
			res, err := h.read("odoo://ir.attachment/2/content")
			if err != nil {
				t.Fatal(err)
			}
			c := res.Contents[0]
			if c.MIMEType != "text/plain" || string(c.Blob) != "Payment within 30 days. Delivery ex works.\n" {
				t.Errorf("text attachment: %q %q", c.MIMEType, c.Blob)
			}
			if n := h.requests(); n != 2 {
				t.Errorf("attachment read made %d Odoo requests, want 2 (size, then content)", n)
			}
			res, err = h.read("odoo://ir.attachment/1/content")
			if err != nil {
				t.Fatal(err)
			}
			if c := res.Contents[0]; c.MIMEType != "image/png" || !bytes.HasPrefix(c.Blob, []byte("\x89PNG")) {
				t.Errorf("png attachment: %q %q", c.MIMEType, c.Blob[:min(8, len(c.Blob))])
			}
			h.readFails("odoo://ir.attachment/3/content", "is a link to https://www.odoo.com/documentation")
			h.readFails("odoo://ir.attachment/999/content", "Resource not found")
			h.requests()

			// Above the cap: refused from the size, the content never read.
			small := newHarnessCap(t, v, Policy{}, 100)
			small.readFails("odoo://ir.attachment/1/content", "above odoo-mcp's limit of 100 bytes for attachment content (ODOO_MCP_MAX_ATTACHMENT_BYTES)")
			if n := small.requests(); n != 1 {
				t.Errorf("a refused attachment made %d Odoo requests, want 1", n)
			}
		})
	}
}

func TestResourcesFollowThePolicy(t *testing.T) {
	h := newHarness(t, "19.0", Policy{DenyModels: []string{"res.partner"}})
	h.readFails("odoo://res.partner/7", "model res.partner is not available through odoo-mcp (denied by configuration)")
	h.readFails("odoo://ir.attachment/1/content", "attachment 1 belongs to a res.partner record")
	if _, err := h.read("odoo://ir.attachment/2/content"); err != nil {
		t.Errorf("attachment of an allowed model: %v", err)
	}
	a := newHarness(t, "18.0", Policy{AllowModels: []string{"res.partner"}})
	a.readFails("odoo://ir.attachment/1/content", "model ir.attachment is not available")

	// Reading needs no write access: read-only mode serves resources.
	ro := newHarness(t, "18.0", Policy{ReadOnly: true})
	if _, err := ro.read("odoo://res.partner/7"); err != nil {
		t.Errorf("read-only: %v", err)
	}

	// As the calling user: the demo user may not read system parameters.
	d := newHarness(t, "18.0", Policy{})
	d.caller = Caller{DB: d.fake.DB(), UID: fakeodoo.DemoUID, Credentials: odoorpc.Credentials{UID: fakeodoo.DemoUID, Key: fakeodoo.DemoKey}}
	d.readFails("odoo://ir.config_parameter/1", "access denied")
}

func TestResourceTemplatesListed(t *testing.T) {
	h := newHarness(t, "18.0", Policy{})
	res, err := h.session.ListResourceTemplates(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rt := range res.ResourceTemplates {
		got = append(got, rt.URITemplate+" "+rt.MIMEType)
		if len(rt.Icons) == 0 {
			t.Errorf("%s has no icon", rt.URITemplate)
		}
	}
	want := "odoo://ir.attachment/{id}/content ,odoo://{model}/{id} application/json"
	if strings.Join(got, ",") != want {
		t.Errorf("templates %q, want %q", strings.Join(got, ","), want)
	}
}

func links(res *mcp.CallToolResult) []*mcp.ResourceLink {
	var out []*mcp.ResourceLink
	for _, c := range res.Content {
		if l, ok := c.(*mcp.ResourceLink); ok {
			out = append(out, l)
		}
	}
	return out
}

func TestResourceLinks(t *testing.T) {
	for _, v := range versions {
		t.Run(v, func(t *testing.T) {
			h := newHarness(t, v, Policy{})
			res := h.call("odoo_record_retriever", map[string]any{"model": "res.partner", "domain": []any{[]any{"id", "in", []any{7, 8}}}, "fields": []string{"name"}})
			var uris []string
			for _, l := range links(res) {
				uris = append(uris, l.URI)
			}
			if strings.Join(uris, " ") != "odoo://res.partner/7 odoo://res.partner/8" {
				t.Errorf("retriever links %v", uris)
			}
			res = h.call("odoo_record_retriever", map[string]any{"model": "ir.attachment", "domain": []any{[]any{"id", "=", 2}}, "fields": []string{"name"}})
			uris = nil
			for _, l := range links(res) {
				uris = append(uris, l.URI)
			}
			if strings.Join(uris, " ") != "odoo://ir.attachment/2 odoo://ir.attachment/2/content" {
				t.Errorf("attachment links %v", uris)
			}

			// The creator: attach a file (wrapped base64, as tools print it),
			// then read it back as a resource through the link.
			content := bytes.Repeat([]byte("odoo-mcp "), 20)
			b64 := base64.StdEncoding.EncodeToString(content)
			wrapped := b64[:76] + "\n" + b64[76:]
			res = h.call("odoo_record_creator", map[string]any{"model": "ir.attachment", "fields": []any{
				map[string]any{"field": "name", "value": "note.txt"}, map[string]any{"field": "datas", "value": wrapped},
				map[string]any{"field": "res_model", "value": "res.partner"}, map[string]any{"field": "res_id", "value": 7},
			}})
			if res.IsError {
				t.Fatal(text(res))
			}
			ls := links(res)
			if len(ls) != 2 || ls[0].Title != "note.txt" || !strings.HasSuffix(ls[1].URI, "/content") {
				t.Fatalf("creator links %+v", ls)
			}
			got, err := h.read(ls[1].URI)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Contents[0].Blob, content) || got.Contents[0].MIMEType != "text/plain" {
				t.Errorf("read back %q as %s", got.Contents[0].Blob, got.Contents[0].MIMEType)
			}
		})
	}
}

func TestCreatorAttachmentChecks(t *testing.T) {
	h := newHarnessCap(t, "19.0", Policy{DenyModels: []string{"res.users"}}, 64)
	attach := func(datas any, resModel string) string {
		fields := []any{map[string]any{"field": "name", "value": "f.bin"}, map[string]any{"field": "datas", "value": datas}}
		if resModel != "" {
			fields = append(fields, map[string]any{"field": "res_model", "value": resModel}, map[string]any{"field": "res_id", "value": 2})
		}
		return h.fails("odoo_record_creator", map[string]any{"model": "ir.attachment", "fields": fields})
	}
	for _, tc := range []struct {
		datas    any
		resModel string
		want     string
	}{
		{"not base64!", "", "datas is not standard base64"},
		{42, "", "datas must be the file's content in base64"},
		{base64.StdEncoding.EncodeToString(make([]byte, 65)), "", "the attachment is 65 bytes, above odoo-mcp's limit of 64 bytes"},
		{"aGk=", "res.users", "would be attached to a res.users record; model res.users is not available"},
	} {
		if got := attach(tc.datas, tc.resModel); !strings.Contains(got, tc.want) {
			t.Errorf("datas %v on %q: %q, want %q", tc.datas, tc.resModel, got, tc.want)
		}
	}
	if n := h.requests(); n != 0 {
		t.Errorf("refused attachments made %d Odoo requests", n)
	}
}

func TestScopeHintInToolErrors(t *testing.T) {
	err := &odoorpc.Error{Kind: odoorpc.ErrAccessDenied, Name: "odoo.exceptions.AccessDenied", Message: "Access Denied", Hint: odoorpc.ScopeHint}
	if got := describe(err); !strings.HasPrefix(got, "access denied: Access Denied (on Odoo 20 and later an API key works on the RPC routes only with the rpc scope") {
		t.Errorf("describe: %q", got)
	}
}
