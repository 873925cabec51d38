package fakeodoo

import (
	"fmt"
	"slices"
	"strings"
)

// Two res.partner methods that are not ORM methods, with positional
// parameters: what a client calls when it calls "a custom method".

// runAddressGet is res.partner.address_get(adr_pref=None): for each
// address type, the first contact of that type among the partner and its
// descendants (not crossing companies), then its ancestors up to the
// commercial entity; the partner itself when none is found.
func runAddressGet(c *call) (any, error) {
	e, m := c.e, c.m
	if err := e.checkAccess(m, "read"); err != nil {
		return nil, err
	}
	prefs := strList(c.arg("adr_pref"))
	if !slices.Contains(prefs, "contact") {
		prefs = append(prefs, "contact")
	}
	found := map[string]int64{}
	visited := map[int64]bool{}
	done := func() bool { return len(found) == len(prefs) }
	for _, id := range c.ids {
		cur := e.row(m, id)
		if cur == nil {
			return nil, e.errMissing(m, []int64{id})
		}
		for cur != nil && !done() {
			scan := []*record{cur}
			for len(scan) > 0 && !done() {
				r := scan[0]
				scan = scan[1:]
				visited[r.id] = true
				if t := e.str(m, r, "type"); slices.Contains(prefs, t) && found[t] == 0 {
					found[t] = r.id
				}
				var kids []*record
				for _, kid := range e.o2mIDs(m.field("child_ids"), r.id) {
					if k := e.row(m, kid); k != nil && !visited[kid] && !e.boolean(m, k, "is_company") {
						kids = append(kids, k)
					}
				}
				scan = append(kids, scan...)
			}
			parent := e.id(m, cur, "parent_id")
			if e.boolean(m, cur, "is_company") || parent == 0 {
				break
			}
			cur = e.row(m, parent)
		}
	}
	def := found["contact"]
	if def == 0 && len(c.ids) > 0 {
		def = c.ids[0]
	}
	out := obj{}
	for _, t := range prefs {
		v := found[t]
		if v == 0 {
			v = def
		}
		out = append(out, kv{t, v})
	}
	return out, nil
}

// runFindOrCreate is res.partner.find_or_create(email,
// assert_valid_email=False): the first partner with that e-mail address,
// or a new one named after it.
func runFindOrCreate(c *call) (any, error) {
	e, m := c.e, c.m
	raw, _ := c.arg("email").(string)
	if strings.TrimSpace(raw) == "" {
		return nil, e.errValue("an email is required for find_or_create to work")
	}
	name, email := raw, raw
	if i := strings.LastIndexByte(raw, '<'); i >= 0 && strings.HasSuffix(raw, ">") {
		name, email = strings.TrimSpace(raw[:i]), strings.TrimSpace(raw[i+1:len(raw)-1])
	}
	if !strings.Contains(email, "@") {
		if pyTruthy(c.arg("assert_valid_email")) {
			return nil, e.errValue(fmt.Sprintf("%s is not a valid email address", pyRepr(raw)))
		}
	}
	ids, err := e.search(m, []any{[]any{"email", "=ilike", email}}, 0, 1, "")
	if err != nil {
		return nil, err
	}
	if len(ids) > 0 {
		return []int64{ids[0]}, nil
	}
	if err := e.checkAccess(m, "create"); err != nil {
		return nil, err
	}
	if name == "" || name == email {
		name = email
	}
	id, err := e.create(m, map[string]any{"name": name, "email": email})
	if err != nil {
		return nil, err
	}
	return []int64{id}, nil
}
