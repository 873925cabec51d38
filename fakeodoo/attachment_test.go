package fakeodoo

import (
	"encoding/base64"
	"strings"
	"testing"
)

// TestAttachments holds ir.attachment to Odoo 18/19's behaviour: datas in
// base64, bin_size turning it into human_size, file_size and mimetype
// derived from the content, the text/plain downgrade of HTML for users
// who may not write views, and Python's base64 errors.
func TestAttachments(t *testing.T) {
	for _, v := range []string{"18.0", "19.0"} {
		t.Run(v, func(t *testing.T) {
			c := newTC(t, v)
			content := strings.Repeat("0123456789", 154) // 1540 bytes
			b64 := base64.StdEncoding.EncodeToString([]byte(content))
			id := num(c.admin("ir.attachment", "create", []any{map[string]any{"name": "notes.txt", "datas": b64, "res_model": "res.partner", "res_id": 7}}, nil))
			r := row(t, c, "ir.attachment", id, "datas", "file_size", "mimetype", "checksum", "type", "res_name")
			if r["datas"] != b64 || num(r["file_size"]) != 1540 || r["mimetype"] != "text/plain" || r["type"] != "binary" || r["res_name"] != "Azure Interior" {
				t.Errorf("read back %v", r)
			}
			if s, _ := r["checksum"].(string); len(s) != 40 {
				t.Errorf("checksum %v", r["checksum"])
			}
			sized := c.admin("ir.attachment", "read", []any{[]any{id}, []any{"datas"}}, map[string]any{"context": map[string]any{"bin_size": true}}).([]any)
			if got := sized[0].(map[string]any)["datas"]; got != "1.50 Kb" {
				t.Errorf("datas with bin_size = %v, want 1.50 Kb", got)
			}

			// application/octet-stream: Odoo guesses from the content.
			png := c.admin("ir.attachment", "create", []any{map[string]any{"name": "blob", "mimetype": "application/octet-stream", "datas": logoPNG(3)}}, nil)
			if r := row(t, c, "ir.attachment", num(png), "mimetype"); r["mimetype"] != "image/png" {
				t.Errorf("octet-stream PNG stored as %v", r["mimetype"])
			}

			// HTML: kept for the admin, text/plain for a plain internal user.
			html := base64.StdEncoding.EncodeToString([]byte("<html><body>hi</body></html>"))
			a := c.admin("ir.attachment", "create", []any{map[string]any{"name": "page.html", "datas": html}}, nil)
			if r := row(t, c, "ir.attachment", num(a), "mimetype"); r["mimetype"] != "text/html" {
				t.Errorf("admin's HTML stored as %v", r["mimetype"])
			}
			d := c.kw(DemoUID, DemoPassword, "ir.attachment", "create", []any{map[string]any{"name": "page.html", "datas": html}}, nil)
			if d.err != nil {
				t.Fatalf("demo create: %s", d.errMsg())
			}
			if r := row(t, c, "ir.attachment", num(d.result), "mimetype"); r["mimetype"] != "text/plain" {
				t.Errorf("demo's HTML stored as %v, want text/plain", r["mimetype"])
			}

			bad := c.kw(AdminUID, AdminPassword, "ir.attachment", "create", []any{map[string]any{"name": "x", "datas": "abcde"}}, nil)
			if bad.errName() != "binascii.Error" {
				t.Errorf("bad base64: %s %s", bad.errName(), bad.errMsg())
			}

			// Seeded: a logo on a partner, a text on an order, a link.
			if r := row(t, c, "ir.attachment", 3, "type", "url", "datas", "file_size"); r["type"] != "url" || r["datas"] != false || num(r["file_size"]) != 0 {
				t.Errorf("url attachment %v", r)
			}
		})
	}
}

// TestAttachmentFollowsItsRecord: the demo user may not read system
// parameters, so neither their attachments: search leaves them out, read
// raises the parameter model's AccessError.
func TestAttachmentFollowsItsRecord(t *testing.T) {
	c := newTC(t, "19.0")
	id := num(c.admin("ir.attachment", "create", []any{map[string]any{"name": "secret.txt", "datas": "c2VjcmV0", "res_model": "ir.config_parameter", "res_id": 1}}, nil))
	found := c.kw(DemoUID, DemoPassword, "ir.attachment", "search", []any{[]any{}}, nil)
	if found.err != nil {
		t.Fatal(found.errMsg())
	}
	for _, x := range found.result.([]any) {
		if num(x) == id {
			t.Error("the demo user finds an attachment of a system parameter")
		}
	}
	if len(found.result.([]any)) == 0 {
		t.Error("the demo user finds no attachment at all")
	}
	r := c.kw(DemoUID, DemoPassword, "ir.attachment", "read", []any{[]any{id}, []any{"name"}}, nil)
	if r.errName() != "odoo.exceptions.AccessError" || !strings.Contains(r.errMsg(), "(ir.config_parameter)") {
		t.Errorf("read: %s %s", r.errName(), r.errMsg())
	}
}
