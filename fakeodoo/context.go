package fakeodoo

import (
	"fmt"
	"slices"
)

// checkContext refuses what real Odoo refuses in a call's context, on the
// first use of the environment: companies the user may not use (or that do
// not exist), and a language that is not active. Odoo checks both lazily
// (env.companies in the record rules' evaluation context, env.lang), so
// in practice every model method runs into them.
func (e *env) checkContext() error {
	if e.su || e.acct == nil {
		return nil
	}
	if raw, ok := e.ctx["allowed_company_ids"]; ok && raw != nil && raw != false {
		ids, ok := idList(raw)
		mine := e.userCompanies()
		for _, id := range ids {
			if !slices.Contains(mine, id) {
				ok = false
			}
		}
		if !ok {
			return e.companyError()
		}
	}
	if lang, ok := e.ctx["lang"].(string); ok && lang != "" && lang != "en_US" && !activeLang(lang) {
		msg := fmt.Sprintf("Invalid language code: %s", lang)
		env := pAPI
		line := 588
		if e.major >= 19 {
			env, line = "/opt/odoo/odoo/orm/environments.py", 298
		}
		return newErr(exUserError, msg, frn(env, line, "lang", "raise UserError(f'Invalid language code: {lang}')"))
	}
	return nil
}

// userCompanies are the companies of the user (res.users.company_ids).
func (e *env) userCompanies() []int64 {
	users := e.models["res.users"]
	r := e.row(users, e.uid)
	if r == nil {
		return []int64{1}
	}
	var mine []int64
	switch v := e.getName(users, r, "company_ids").(type) {
	case []int64:
		mine = v
	default:
		mine, _ = idList(v)
	}
	if len(mine) == 0 {
		mine = []int64{1} // the field's default
	}
	return mine
}

// companies is env.companies: the context's allowed_company_ids (checked
// when the call starts), else every company of the user.
func (e *env) companies() []int64 {
	if ids, ok := idList(e.ctx["allowed_company_ids"]); ok && len(ids) > 0 {
		return ids
	}
	return e.userCompanies()
}

// company is env.company, the current company: the first allowed company,
// else the user's default company.
func (e *env) company() int64 {
	if ids, ok := idList(e.ctx["allowed_company_ids"]); ok && len(ids) > 0 {
		return ids[0]
	}
	if e.uid > 0 {
		users := e.models["res.users"]
		if r := e.row(users, e.uid); r != nil {
			if id := e.id(users, r, "company_id"); id > 0 {
				return id
			}
		}
	}
	return 1
}

// companyKey is where a company-dependent field keeps the current
// company's value.
func (e *env) companyKey(f *field) string {
	if c := e.company(); c != 1 {
		return fmt.Sprintf("%s@%d", f.name, c)
	}
	return f.name
}

// companyRule is the multi-company record rule of models with a company:
// a record without a company, or in one of env.companies. The superuser
// is exempt, as from every record rule.
func (e *env) companyRule(m *model, r *record) bool {
	if e.su || m.name == "res.users" || m.name == "res.company" {
		return true
	}
	f := m.field("company_id")
	if f == nil || f.relation != "res.company" || f.compute != nil || f.related != "" {
		return true
	}
	c, _ := r.vals["company_id"].(int64)
	return c == 0 || slices.Contains(e.companies(), c)
}

func activeLang(code string) bool {
	for _, l := range langSel {
		if l[0] == code {
			return true
		}
	}
	return false
}

// companyError is the AccessError of env.companies, raised while the
// record rules' evaluation context is built.
func (e *env) companyError() *rpcError {
	const msg = "Access to unauthorized or invalid companies."
	rule := "/opt/odoo/odoo/addons/base/models/ir_rule.py"
	env, line := pAPI, 620
	if e.major >= 19 {
		env, line = "/opt/odoo/odoo/orm/environments.py", 271
	}
	return newErr(exAccessError, msg,
		fr(rule, 155, "_compute_domain", "eval_context = self._eval_context()"),
		fr(rule, 49, "_eval_context", "'company_ids': self.env.companies.ids,"),
		fr("/usr/lib/python3.11/functools.py", 1001, "__get__", "val = self.func(instance)"),
		frn(env, line, "companies", `raise AccessError(self._("Access to unauthorized or invalid companies."))`))
}
