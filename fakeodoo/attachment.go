package fakeodoo

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"mime"
	"net/http"
	"path"
	"strings"
)

// ir.attachment as Odoo 16 to 19 serve it over the external API:
//   - datas is the file as base64 (a computed field whose inverse stores
//     it); with bin_size in the context it reads as the file's size in
//     Odoo's human_size format ("1.50 Kb") instead;
//   - file_size and checksum (SHA-1 of the content) follow the content;
//   - mimetype is the given one, else guessed from the name, else (or when
//     given as application/octet-stream) from the content; an HTML, XML or
//     SVG type becomes text/plain for users who may not write views
//     (_check_contents);
//   - type is "binary" or "url" (a link, no content);
//   - a user reads an attachment only when they may read the model it is
//     attached to: search leaves the others out, read raises that model's
//     AccessError.
// The file lives in db_datas (Odoo keeps it in the filestore or there).

func attachmentModel() *model {
	// bin_size is applied when the value is read (readValue).
	datas := func(e *env, m *model, r *record) any { return e.str(m, r, "db_datas") }
	return &model{
		name: "ir.attachment", desc: "Attachment", module: "base", order: "id desc",
		access: groups(grpInternal, grpInternal),
		fields: fields([]*field{
			idField(), displayNameField(),
			fChar("name", "Name").req(),
			fText("description", "Description"),
			fChar("res_name", "Resource Name").comp(func(e *env, m *model, r *record) any {
				if rm := e.models[e.str(m, r, "res_model")]; rm != nil {
					if id, _ := e.getName(m, r, "res_id").(int64); id != 0 && e.row(rm, id) != nil {
						return e.displayNameOf(rm.name, id)
					}
				}
				return ""
			}),
			fChar("res_model", "Resource Model").h("The database object this attachment will be attached to."),
			fChar("res_field", "Resource Field"),
			fInt("res_id", "Resource ID").h("The record id this is attached to."),
			fM2O("company_id", "Company", "res.company").def(int64(1)),
			fSel("type", "Type", [2]string{"url", "URL"}, [2]string{"binary", "File"}).req().def("binary").
				h("You can either upload a file from your computer or copy/paste an internet link to your file."),
			fChar("url", "Url"),
			fBool("public", "Is public document"),
			fBinary("datas", "File Content (base64)").comp(datas).rw(),
			fBinary("db_datas", "Database Data"),
			fInt("file_size", "File Size").scomp(func(e *env, m *model, r *record) any {
				return int64(decodedLen(e.str(m, r, "db_datas")))
			}),
			fChar("checksum", "Checksum/SHA1").scomp(func(e *env, m *model, r *record) any {
				raw, _ := base64.StdEncoding.DecodeString(e.str(m, r, "db_datas"))
				if len(raw) == 0 && e.str(m, r, "db_datas") == "" {
					return ""
				}
				sum := sha1.Sum(raw)
				return hex.EncodeToString(sum[:])
			}),
			fChar("mimetype", "Mime Type"),
		}, magicFields()),
		// An attachment is readable by who may read the record it is
		// attached to (ir.attachment.check).
		rowAccess: func(e *env, m *model, r *record) error {
			if rm := e.models[e.str(m, r, "res_model")]; rm != nil {
				return e.checkAccess(rm, "read")
			}
			return nil
		},
		// datas is written through its inverse: the content goes to db_datas.
		prepare: func(vals map[string]any) {
			if v, ok := vals["datas"]; ok {
				vals["db_datas"] = v
				delete(vals, "datas")
			}
		},
		onCreate: func(e *env, m *model, vals map[string]any) error {
			if s, ok := vals["db_datas"].(string); ok {
				clean, err := pyB64(s)
				if err != nil {
					return err
				}
				vals["db_datas"] = clean
			}
			return nil
		},
		afterSave: func(e *env, m *model, r *record, vals map[string]any, created bool) error {
			_, content := vals["db_datas"]
			_, mt := vals["mimetype"]
			if created || content || mt {
				r.vals["mimetype"] = e.attachmentMimetype(m, r)
			}
			return nil
		},
	}
}

// attachmentMimetype is ir.attachment._compute_mimetype followed by
// _check_contents.
func (e *env) attachmentMimetype(m *model, r *record) string {
	mt := strings.ToLower(e.str(m, r, "mimetype"))
	if mt == "" {
		mt = typeByName(e.str(m, r, "name"))
	}
	if mt == "" && e.str(m, r, "url") != "" {
		mt = typeByName(strings.SplitN(e.str(m, r, "url"), "?", 2)[0])
	}
	if mt == "" || mt == "application/octet-stream" {
		if raw, _ := base64.StdEncoding.DecodeString(e.str(m, r, "db_datas")); len(raw) > 0 {
			mt = typeOnly(http.DetectContentType(raw))
		}
	}
	if mt == "" {
		mt = "application/octet-stream"
	}
	xmlLike := strings.Contains(mt, "ht") || (strings.Contains(mt, "xml") && !strings.HasPrefix(mt, "application/vnd.openxmlformats"))
	if xmlLike && !e.su && (e.acct == nil || !e.acct.admin) {
		mt = "text/plain"
	}
	return mt
}

func typeByName(name string) string {
	ext := path.Ext(name)
	if ext == "" {
		return ""
	}
	return typeOnly(mime.TypeByExtension(strings.ToLower(ext)))
}

// typeOnly drops parameters: Python's mimetypes gives "text/plain", Go's
// tables "text/plain; charset=utf-8".
func typeOnly(t string) string {
	t, _, _ = strings.Cut(t, ";")
	return strings.TrimSpace(t)
}

// pyB64 checks base64 as Python's b64decode does without validate=True:
// characters outside the alphabet are dropped, then the padding must be
// right. It returns the cleaned text.
func pyB64(s string) (string, error) {
	var b strings.Builder
	for _, c := range s {
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=' {
			b.WriteRune(c)
		}
	}
	clean := b.String()
	if _, err := base64.StdEncoding.DecodeString(clean); err != nil {
		if len(strings.TrimRight(clean, "="))%4 == 1 {
			return "", newErr("binascii.Error", fmt.Sprintf("Invalid base64-encoded string: number of data characters (%d) cannot be 1 more than a multiple of 4", len(strings.TrimRight(clean, "="))))
		}
		return "", newErr("binascii.Error", "Incorrect padding")
	}
	return clean, nil
}

// decodedLen is the byte length of base64 text.
func decodedLen(s string) int {
	if s == "" {
		return 0
	}
	return base64.StdEncoding.DecodedLen(len(s)) - strings.Count(s[max(0, len(s)-2):], "=")
}

// humanSize is odoo.tools.human_size: "%0.2f %s" with bytes, Kb, Mb, Gb,
// Tb; False for nothing.
func humanSize(n int) any {
	if n == 0 {
		return false
	}
	units := []string{"bytes", "Kb", "Mb", "Gb", "Tb"}
	s, i := float64(n), 0
	for s >= 1024 && i < len(units)-1 {
		s /= 1024
		i++
	}
	return fmt.Sprintf("%0.2f %s", s, units[i])
}
