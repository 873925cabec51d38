package fakeodoo

import (
	"fmt"
	"slices"
)

// x2many applies the commands (or a plain id list) written to a one2many or
// many2many field.
func (e *env) x2many(m *model, r *record, f *field, v any) error {
	cm := e.models[f.relation]
	if cm == nil {
		return nil // a relation to a model this fake does not have: always empty
	}
	cmds, ok := v.([]any)
	if !ok {
		if v == nil || v == false {
			cmds = []any{[]any{5.0}}
		} else {
			return e.errValue(fmt.Sprintf("Wrong value for %s.%s: %s", m.name, f.name, pyRepr(v)))
		}
	}
	// a list of ids means "set"
	if len(cmds) > 0 && isPyInt(cmds[0]) {
		cmds = []any{[]any{6.0, 0.0, cmds}}
	}
	cur := relIDs(e.get(m, r, f))
	set := func(ids []int64) error { return e.setX2many(m, r, f, cm, ids) }
	for _, c := range cmds {
		cmd, ok := c.([]any)
		if !ok || len(cmd) == 0 {
			return e.errValue(fmt.Sprintf("Wrong value for %s.%s: %s", m.name, f.name, pyRepr(v)))
		}
		code, _ := asInt(cmd[0])
		arg := func(i int) any {
			if i < len(cmd) {
				return cmd[i]
			}
			return nil
		}
		id, _ := asInt(arg(1))
		switch code {
		case 0: // create
			vals, _ := arg(2).(map[string]any)
			vals = cloneVals(vals)
			if f.typ == "one2many" {
				vals[f.inverse] = r.id
			}
			if err := e.checkAccess(cm, "create"); err != nil {
				return err
			}
			nid, err := e.create(cm, vals)
			if err != nil {
				return err
			}
			if f.typ == "many2many" {
				cur = append(slices.Clone(cur), nid)
				if err := set(cur); err != nil {
					return err
				}
			}
		case 1: // update
			vals, _ := arg(2).(map[string]any)
			if err := e.write(cm, []int64{id}, vals); err != nil {
				return err
			}
		case 2: // delete
			if err := e.unlink(cm, []int64{id}); err != nil {
				return err
			}
			cur = slices.DeleteFunc(slices.Clone(cur), func(x int64) bool { return x == id })
		case 3: // unlink (remove the link)
			cur = slices.DeleteFunc(slices.Clone(cur), func(x int64) bool { return x == id })
			if err := set(cur); err != nil {
				return err
			}
		case 4: // link
			if e.row(cm, id) == nil {
				return e.fkError(m, f)
			}
			if !containsID(cur, id) {
				cur = append(slices.Clone(cur), id)
			}
			if err := set(cur); err != nil {
				return err
			}
		case 5: // clear
			cur = nil
			if err := set(cur); err != nil {
				return err
			}
		case 6: // set
			var ids []int64
			for _, x := range asList(arg(2)) {
				if i, ok := asInt(x); ok && x != false {
					if e.row(cm, i) == nil {
						return e.fkError(m, f)
					}
					if !containsID(ids, i) {
						ids = append(ids, i)
					}
				}
			}
			cur = ids
			if err := set(cur); err != nil {
				return err
			}
		default:
			return e.errValue(fmt.Sprintf("Wrong value for %s.%s: %s", m.name, f.name, pyRepr(v)))
		}
	}
	return nil
}

// setX2many stores the new content of a many2many, or moves the inverse
// many2one of a one2many.
func (e *env) setX2many(m *model, r *record, f *field, cm *model, ids []int64) error {
	if f.typ == "many2many" {
		r.vals[f.name] = slices.Clone(ids)
		return nil
	}
	inv := cm.field(f.inverse)
	for _, id := range e.o2mIDs(f, r.id) { // the lines the client sees
		cr := e.row(cm, id)
		if !containsID(ids, id) {
			if inv.required || inv.ondelete == "cascade" {
				if err := e.sudo().remove(cm, []int64{id}); err != nil {
					return err
				}
				continue
			}
			cr.vals[inv.name] = int64(0)
		}
	}
	for _, id := range ids {
		if cr := e.row(cm, id); cr != nil {
			cr.vals[inv.name] = r.id
			if err := e.validate(cm, cr, map[string]any{inv.name: r.id}, false); err != nil {
				return err
			}
		}
	}
	return nil
}
