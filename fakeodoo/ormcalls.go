package fakeodoo

import (
	"fmt"
	"strings"
)

// nonNil makes an empty id list encode as [] rather than null.
func nonNil(v []int64) []int64 {
	if v == nil {
		return []int64{}
	}
	return v
}

func orderArg(c *call, name string) (string, error) {
	switch v := c.arg(name).(type) {
	case nil, bool:
		return "", nil
	case string:
		return v, nil
	default:
		return "", c.e.errUser(fmt.Sprintf(`Invalid "order" specified (%s). A valid "order" specification is a comma-separated list of valid field names (optionally followed by asc/desc for the direction)`, pyRepr(v)))
	}
}

func runSearch(c *call) (any, error) {
	order, err := orderArg(c, "order")
	if err != nil {
		return nil, err
	}
	found, err := c.e.search(c.m, c.arg("domain"), c.intArg("offset"), c.intArg("limit"), order)
	return nonNil(found), err
}

func runSearchCount(c *call) (any, error) {
	found, err := c.e.search(c.m, c.arg("domain"), 0, c.intArg("limit"), "")
	return int64(len(found)), err
}

func runSearchRead(c *call) (any, error) {
	order, err := orderArg(c, "order")
	if err != nil {
		return nil, err
	}
	found, err := c.e.search(c.m, c.arg("domain"), c.intArg("offset"), c.intArg("limit"), order)
	if err != nil {
		return nil, err
	}
	names := strList(c.arg("fields"))
	if _, err := c.e.resolveFields(c.m, names); err != nil {
		return nil, err
	}
	load := "_classic_read"
	for _, k := range sortedKeys(c.extra) {
		if k != "load" {
			line := map[bool]int{true: 5785, false: 6091}[c.e.major >= 19]
			return nil, newErr(exTypeError, fmt.Sprintf("BaseModel._read_format() got an unexpected keyword argument '%s'", k),
				fr(pModels(c.e.major), line, "search_read", "return records._read_format(fnames=fields, **read_kwargs)"))
		}
		load, _ = c.extra[k].(string)
	}
	return c.e.read(c.m, found, names, load)
}

func runRead(c *call) (any, error) {
	load, _ := c.arg("load").(string)
	return c.e.read(c.m, c.ids, strList(c.arg("fields")), load)
}

func runCreate(c *call) (any, error) {
	if err := c.e.checkAccess(c.m, "create"); err != nil {
		return nil, err
	}
	var list []any
	switch v := c.arg("vals_list").(type) {
	case map[string]any:
		list = []any{v}
	case []any:
		list = v
	default:
		return nil, newErr(exAttributeError, fmt.Sprintf("'%s' object has no attribute 'items'", pyTypeName(v)))
	}
	created := []int64{}
	for _, item := range list {
		vals, ok := item.(map[string]any)
		if !ok {
			return nil, newErr(exAttributeError, fmt.Sprintf("'%s' object has no attribute 'items'", pyTypeName(item)))
		}
		id, err := c.e.create(c.m, vals)
		if err != nil {
			return nil, err
		}
		created = append(created, id)
	}
	if c.single && len(created) == 1 {
		return created[0], nil
	}
	return created, nil
}

func runWrite(c *call) (any, error) {
	vals, ok := c.arg("vals").(map[string]any)
	if !ok {
		return nil, newErr(exAttributeError, fmt.Sprintf("'%s' object has no attribute 'items'", pyTypeName(c.arg("vals"))))
	}
	if err := c.e.write(c.m, c.ids, vals); err != nil {
		return nil, err
	}
	return true, nil
}

func runUnlink(c *call) (any, error) {
	if err := c.e.unlink(c.m, c.ids); err != nil {
		return nil, err
	}
	return true, nil
}

func archiver(active bool) func(c *call) (any, error) {
	return func(c *call) (any, error) {
		if !c.m.has("active") {
			return nil, newErr(exAssertion, fmt.Sprintf("No 'None' field on model %s", c.m.name))
		}
		var todo []int64
		for _, id := range c.ids {
			if r := c.e.row(c.m, id); r != nil && c.e.boolean(c.m, r, "active") != active {
				todo = append(todo, id)
			}
		}
		if err := c.e.checkAccess(c.m, "write"); err != nil {
			return nil, err
		}
		if len(todo) > 0 {
			if err := c.e.write(c.m, todo, map[string]any{"active": active}); err != nil {
				return nil, err
			}
		}
		return nil, nil // the method returns None
	}
}

func runContextGet(c *call) (any, error) {
	users := c.e.models["res.users"]
	lang, tz := any("en_US"), any(false)
	if u := c.e.row(users, c.e.uid); u != nil {
		if l := c.e.str(users, u, "lang"); l != "" {
			lang = l
		}
		if t := c.e.str(users, u, "tz"); t != "" {
			tz = t
		}
	}
	return obj{{"lang", lang}, {"tz", tz}, {"uid", c.e.uid}}, nil
}

func runNameSearch(c *call) (any, error) {
	name, _ := c.arg("name").(string)
	op, _ := c.arg("operator").(string)
	if op == "" {
		op = "ilike"
	}
	dom := []any{}
	if d, ok := c.arg("domain").([]any); ok {
		dom = append(dom, d...)
	}
	if name != "" || !strings.Contains(op, "like") {
		fieldsSearched := c.m.nameSrch
		if len(fieldsSearched) == 0 {
			fieldsSearched = []string{c.m.recName}
		}
		negative := strings.HasPrefix(op, "not ") || op == "!="
		var cond []any
		for i, f := range fieldsSearched {
			if i > 0 {
				if negative {
					cond = append([]any{"&"}, cond...)
				} else {
					cond = append([]any{"|"}, cond...)
				}
			}
			cond = append(cond, []any{f, op, name})
		}
		if len(dom) > 0 {
			dom = append(append([]any{"&"}, normalizeDomain(dom)...), cond...)
		} else {
			dom = cond
		}
	}
	limit := c.intArg("limit")
	found, err := c.e.search(c.m, dom, 0, limit, "")
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, id := range found {
		out = append(out, []any{id, c.e.displayName(c.m, c.e.row(c.m, id))})
	}
	return out, nil
}

func runNameCreate(c *call) (any, error) {
	if err := c.e.checkAccess(c.m, "create"); err != nil {
		return nil, err
	}
	name, _ := c.arg("name").(string)
	vals := map[string]any{c.m.recName: name}
	if c.m.name == "res.partner" {
		vals = map[string]any{"name": name}
		if i := strings.LastIndexByte(name, '<'); i > 0 && strings.HasSuffix(name, ">") {
			vals["name"] = strings.TrimSpace(name[:i])
			vals["email"] = strings.TrimSpace(name[i+1 : len(name)-1])
		}
	}
	id, err := c.e.create(c.m, vals)
	if err != nil {
		return nil, err
	}
	return []any{id, c.e.displayName(c.m, c.e.row(c.m, id))}, nil
}
