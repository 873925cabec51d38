package fakeodoo

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"strconv"
)

// Perms are the access rights of a user on one model, as granted by
// ir.model.access.
type Perms struct {
	Read, Write, Create, Unlink bool
}

// allows reports whether p grants operation op (read, write, create, unlink).
func (p Perms) allows(op string) bool {
	switch op {
	case "read":
		return p.Read
	case "write":
		return p.Write
	case "create":
		return p.Create
	case "unlink":
		return p.Unlink
	}
	return false
}

var (
	readOnly = Perms{Read: true}
	noUnlink = Perms{Read: true, Write: true, Create: true}
)

// internalAccess is what the seeded demo user, and users created over RPC,
// may do: the rights of a plain internal user.
func internalAccess() map[string]Perms {
	return map[string]Perms{
		"res.partner":          noUnlink,
		"res.partner.category": readOnly,
		"res.country":          readOnly,
		"res.country.state":    readOnly,
		"res.currency":         readOnly,
		"res.company":          readOnly,
		"res.users":            readOnly,
		"product.product":      readOnly,
		"sale.order":           readOnly,
		"ir.model":             readOnly,
		"ir.attachment":        {Read: true, Write: true, Create: true, Unlink: true},
	}
}

var opVerb = map[string]string{"read": "access", "write": "modify", "create": "create", "unlink": "delete"}

// checkAccess raises Odoo's AccessError when the user may not perform op on
// model m.
func (e *env) checkAccess(m *model, op string) error {
	if e.su || e.acct == nil || e.acct.admin || e.acct.access[m.name].allows(op) {
		return nil
	}
	msg := fmt.Sprintf("You are not allowed to %s '%s' (%s) records.\n\n", opVerb[op], m.desc, m.name)
	if g, ok := m.access[op]; ok {
		label := g[0]
		if e.major >= 19 {
			label = g[1]
		}
		msg += "This operation is allowed for the following groups:\n\t- " + label
	} else {
		msg += "No group currently allows this operation."
	}
	msg += "\n\nContact your administrator to request access if necessary."
	p := pModels(e.major)
	if e.major >= 19 {
		return newErr(exAccessError, msg, frn(p, 4115, "check_access", "raise result[1]()"))
	}
	return newErr(exAccessError, msg, frn(p, 4087, "check_access", "raise result[1]()"))
}

// userByLogin finds an active or inactive user by login.
func (e *env) userByLogin(login string) (int64, bool) {
	users := e.models["res.users"]
	for _, id := range e.allIDs(users) {
		if e.str(users, e.row(users, id), "login") == login {
			return id, true
		}
	}
	return 0, false
}

func (e *env) userActive(uid int64) bool {
	users := e.models["res.users"]
	r := e.row(users, uid)
	return r != nil && e.boolean(users, r, "active")
}

// checkCredential is res.users._check_credentials in a non-interactive
// context: the password, or an API key of that very user.
func (e *env) checkCredential(uid int64, credential string) bool {
	a := e.db.accounts[uid]
	if a == nil || credential == "" || !e.userActive(uid) {
		return false
	}
	if a.password != "" && a.password == credential {
		return true
	}
	owner, ok := e.db.keys[credential]
	return ok && owner == uid
}

// generatedKey derives a deterministic 40-hex-digit API key.
func generatedKey(seed string, n int64) string {
	sum := sha1.Sum([]byte("fakeodoo:" + seed + ":" + strconv.FormatInt(n, 10)))
	return hex.EncodeToString(sum[:])
}
