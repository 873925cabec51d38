package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

// FieldInfo is one field as fields_get describes it.
type FieldInfo struct {
	Type          string `json:"type"`
	String        string `json:"string,omitempty"`
	Help          string `json:"help,omitempty"`
	Required      bool   `json:"required"`
	Readonly      bool   `json:"readonly"`
	Store         bool   `json:"store"`
	Relation      string `json:"relation,omitempty"`
	RelationField string `json:"relation_field,omitempty"`
	Selection     any    `json:"selection,omitempty"`
}

// fieldAttributes is what the inspector shows and the retriever's default
// field set needs; one fields_get serves both.
var fieldAttributes = []string{"type", "string", "help", "required", "readonly", "store", "relation", "relation_field", "selection"}

// fieldsOf returns fields_get of a model for the caller, cached per
// database, user, model and language: field access depends on the user's
// groups and labels on the language. Field definitions change only with
// module upgrades, so a cache of minutes is safe; record data is never cached.
func (e *env) fieldsOf(ctx context.Context, c Caller, model string) (map[string]FieldInfo, error) {
	lang, _ := c.Context["lang"].(string)
	key := fmt.Sprintf("%s\x00%d\x00%s\x00%s", c.DB, c.UID, model, lang)
	if v, ok := e.fields.Get(key); ok {
		return v.(map[string]FieldInfo), nil
	}
	raw, err := e.execute(ctx, c, odoorpc.Call{
		Model: model, Method: "fields_get",
		Kwargs: map[string]any{"attributes": fieldAttributes},
	})
	if err != nil {
		return nil, err
	}
	var fields map[string]FieldInfo
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, fmt.Errorf("%w: fields_get of %s: %v", odoorpc.ErrProtocol, model, err)
	}
	e.fields.Set(key, fields, e.FieldsTTL)
	return fields, nil
}

// maxDefaultFields bounds the default field set: reading every field of a
// model is what blows an agent's context (hundreds of fields, images).
const maxDefaultFields = 30

// defaultFields picks the fields a retriever call reads when it names none:
// display_name and stored, small fields; never binaries, html, one2many
// lists or technical bookkeeping fields.
func defaultFields(fields map[string]FieldInfo) []string {
	type scored struct {
		name  string
		score int
	}
	var picks []scored
	for name, f := range fields {
		if !wantByDefault(name, f) {
			continue
		}
		s := 0
		switch {
		case name == "name" || name == "display_name":
			s = 4
		case f.Required:
			s = 3
		case preferredFields[name]:
			s = 2
		case f.Type == "many2one" || f.Type == "selection":
			s = 1
		}
		picks = append(picks, scored{name, s})
	}
	sort.Slice(picks, func(i, j int) bool {
		if picks[i].score != picks[j].score {
			return picks[i].score > picks[j].score
		}
		return picks[i].name < picks[j].name
	})
	if len(picks) > maxDefaultFields {
		picks = picks[:maxDefaultFields]
	}
	out := make([]string, 0, len(picks)+1)
	for _, p := range picks {
		out = append(out, p.name)
	}
	sort.Strings(out)
	return out
}

var preferredFields = map[string]bool{
	"email": true, "phone": true, "mobile": true, "state": true, "date": true, "active": true,
	"ref": true, "code": true, "partner_id": true, "company_id": true, "user_id": true,
	"amount_total": true, "list_price": true, "default_code": true, "date_order": true,
	"is_company": true, "country_id": true, "city": true, "type": true,
}

var smallTypes = map[string]bool{
	"char": true, "text": true, "selection": true, "integer": true, "float": true, "monetary": true,
	"boolean": true, "date": true, "datetime": true, "many2one": true, "many2many": true,
}

func wantByDefault(name string, f FieldInfo) bool {
	if name == "display_name" {
		return true
	}
	if name == "id" || !f.Store || !smallTypes[f.Type] {
		return false
	}
	for _, p := range []string{"message_", "activity_", "website_message", "__", "access_", "rating_"} {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	switch name {
	case "create_uid", "write_uid":
		return false
	}
	return true
}
