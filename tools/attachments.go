package tools

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// checkAttachments checks the files of ir.attachment records about to be
// created or written: datas must be base64 (line breaks allowed, as
// base64 tools wrap) and at most the attachment cap once decoded, and an
// attachment may be attached only to a model the policy allows. datas is
// sent to Odoo without line breaks. Other models pass untouched.
func (e *env) checkAttachments(model string, vals []map[string]any) error {
	if model != "ir.attachment" {
		return nil
	}
	limit := e.maxAttachment()
	for i, v := range vals {
		where := "the attachment"
		if len(vals) > 1 {
			where = fmt.Sprintf("attachment %d", i+1)
		}
		if owner, ok := v["res_model"].(string); ok && owner != "" {
			if reason, ok := e.Policy.modelAllowed(owner); !ok {
				return &PolicyError{Msg: fmt.Sprintf("%s would be attached to a %s record; model %s is not available through odoo-mcp (%s)", where, owner, owner, reason)}
			}
		}
		raw, ok := v["datas"]
		if !ok || raw == nil || raw == false {
			continue
		}
		s, ok := raw.(string)
		if !ok {
			return argErrorf("%s: datas must be the file's content in base64 (a string), got %T", where, raw)
		}
		clean := strings.Map(func(r rune) rune {
			if r == '\n' || r == '\r' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, s)
		n, err := base64.StdEncoding.DecodeString(clean)
		if err != nil {
			return argErrorf("%s: datas is not standard base64 (%v); encode the file with base64 (A-Z, a-z, 0-9, +, /, padded with =)", where, err)
		}
		if int64(len(n)) > limit {
			return tooLarge(fmt.Sprintf("%s is %s", where, humanBytes(int64(len(n)))), limit)
		}
		v["datas"] = clean
	}
	return nil
}
