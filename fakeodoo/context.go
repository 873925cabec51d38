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
		users := e.models["res.users"]
		var mine []int64
		if r := e.row(users, e.uid); r != nil {
			switch v := e.getName(users, r, "company_ids").(type) {
			case []int64:
				mine = v
			default:
				mine, _ = idList(v)
			}
			if len(mine) == 0 {
				mine = []int64{1} // the field's default
			}
		}
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
