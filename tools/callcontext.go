package tools

import (
	"bytes"
	"encoding/json"
	"regexp"
)

// CallContext is the optional context argument of every tool: the company
// and language one call runs in, merged over the server's --odoo-context
// for that call only. Its keys are closed: Odoo's context carries far more
// (active_test, default_*, ...), which would let an agent change what a
// tool does behind its arguments.
type CallContext struct {
	CompanyID         int64   `json:"company_id"`
	AllowedCompanyIDs []int64 `json:"allowed_company_ids"`
	Lang              string  `json:"lang"`
	TZ                string  `json:"tz"`
}

var contextKeys = "allowed_company_ids, company_id, lang, tz"

var (
	langPattern = regexp.MustCompile(`^[a-z]{2,3}(_[A-Za-z0-9]{2,8})?(@[a-z]+)?$`)
	tzPattern   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,2}$`)
)

// UnmarshalJSON refuses unknown keys by name and checks each value, so a
// misspelt "company" is an error rather than a call in the wrong company.
func (cc *CallContext) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if bytes.Equal(data, []byte("null")) {
		*cc = CallContext{}
		return nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return argErrorf("context must be an object with the keys %s, e.g. {\"company_id\": 2, \"lang\": \"fr_FR\"}", contextKeys)
	}
	var out CallContext
	for k, v := range raw {
		var err error
		switch k {
		case "company_id":
			err = json.Unmarshal(v, &out.CompanyID)
			if err == nil && out.CompanyID < 0 {
				return argErrorf("context.company_id must be a positive company id, or 0 for the default")
			}
		case "allowed_company_ids":
			err = json.Unmarshal(v, &out.AllowedCompanyIDs)
			for _, id := range out.AllowedCompanyIDs {
				if id <= 0 {
					return argErrorf("context.allowed_company_ids must hold positive company ids, got %d", id)
				}
			}
		case "lang":
			err = json.Unmarshal(v, &out.Lang)
			if err == nil && out.Lang != "" && !langPattern.MatchString(out.Lang) {
				return argErrorf("context.lang %q is not a language code such as fr_FR or en_US", out.Lang)
			}
		case "tz":
			err = json.Unmarshal(v, &out.TZ)
			if err == nil && out.TZ != "" && !tzPattern.MatchString(out.TZ) {
				return argErrorf("context.tz %q is not a time zone name such as Europe/Brussels", out.TZ)
			}
		default:
			return argErrorf("unknown context key %q; valid keys: %s", k, contextKeys)
		}
		if err != nil {
			return argErrorf("context.%s has the wrong type: company_id is an integer, allowed_company_ids a list of integers, lang and tz strings", k)
		}
	}
	*cc = out
	return nil
}

// withCallContext returns the caller with cc merged over its context, for
// one call. Odoo takes the first of allowed_company_ids as the current
// company and ignores a company_id key, so company_id is put first there.
func (c Caller) withCallContext(cc *CallContext) Caller {
	if cc == nil || (cc.CompanyID == 0 && len(cc.AllowedCompanyIDs) == 0 && cc.Lang == "" && cc.TZ == "") {
		return c
	}
	ctx := make(map[string]any, len(c.Context)+2)
	for k, v := range c.Context {
		ctx[k] = v
	}
	if cc.Lang != "" {
		ctx["lang"] = cc.Lang
	}
	if cc.TZ != "" {
		ctx["tz"] = cc.TZ
	}
	allowed := cc.AllowedCompanyIDs
	if len(allowed) == 0 && cc.CompanyID > 0 {
		allowed = companyIDs(ctx["allowed_company_ids"])
	}
	if cc.CompanyID > 0 {
		first := []int64{cc.CompanyID}
		for _, id := range allowed {
			if id != cc.CompanyID {
				first = append(first, id)
			}
		}
		allowed = first
	}
	if len(allowed) > 0 {
		ctx["allowed_company_ids"] = allowed
	}
	c.Context = ctx
	return c
}

// contextual is implemented by the arguments of every tool.
type contextual interface{ callContext() *CallContext }

func (a retrieverArgs) callContext() *CallContext  { return a.Context }
func (a creatorArgs) callContext() *CallContext    { return a.Context }
func (a updaterArgs) callContext() *CallContext    { return a.Context }
func (a unlinkerArgs) callContext() *CallContext   { return a.Context }
func (a executorArgs) callContext() *CallContext   { return a.Context }
func (a inspectorArgs) callContext() *CallContext  { return a.Context }
func (a aggregatorArgs) callContext() *CallContext { return a.Context }

// companyIDs reads allowed_company_ids from the server's configured
// context (decoded JSON: numbers are float64 or json.Number).
func companyIDs(v any) []int64 {
	var out []int64
	switch l := v.(type) {
	case []int64:
		return l
	case []any:
		for _, x := range l {
			switch n := x.(type) {
			case float64:
				out = append(out, int64(n))
			case json.Number:
				if i, err := n.Int64(); err == nil {
					out = append(out, i)
				}
			case int64:
				out = append(out, n)
			case int:
				out = append(out, int64(n))
			}
		}
	}
	return out
}

// contextSchema is the strict schema of the context argument: a closed
// object of typed, optional keys.
func contextSchema() schema {
	s := object(schema{
		"company_id":          typed("integer", "the company to act as (it becomes the first allowed company); 0 for the default"),
		"allowed_company_ids": arrayOf(typed("integer", ""), "companies the call may see, the first being the current one; empty list for the default"),
		"lang":                typed("string", `language of labels and translated values, e.g. "fr_FR" (must be active in Odoo); empty for the default`),
		"tz":                  typed("string", `time zone for date groups and dates, e.g. "Europe/Brussels"; empty for the default`),
	})
	s["description"] = "Odoo context for this call only: company, language, time zone; omit for the server's defaults"
	return s
}
