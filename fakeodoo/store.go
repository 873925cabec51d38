package fakeodoo

import (
	"maps"
	"slices"
	"time"
)

// record is one row; vals holds stored values in their raw form:
// string for char-like, date, datetime, selection and binary fields ("" is
// empty), int64 for integers and many2one ids (0 is empty), float64, bool,
// []int64 for many2many, any for json. Slices are never modified in place,
// so copies of a record may share them.
type record struct {
	id   int64
	vals map[string]any
}

type table struct {
	rows map[int64]*record
	next int64
}

// account holds what res.users does not expose: credentials and rights.
type account struct {
	password string
	admin    bool
	access   map[string]Perms
}

// database is the whole mutable state of a fake server.
type database struct {
	tables   map[string]*table
	accounts map[int64]*account
	keys     map[string]int64 // API key -> uid
	seq      map[string]int64
}

func newDatabase(models map[string]*model) *database {
	d := &database{
		tables:   map[string]*table{},
		accounts: map[int64]*account{},
		keys:     map[string]int64{},
		seq:      map[string]int64{},
	}
	for name := range models {
		d.tables[name] = &table{rows: map[int64]*record{}, next: 1}
	}
	return d
}

// clone copies the state so a failed call can be rolled back.
func (d *database) clone() *database {
	c := &database{
		tables:   make(map[string]*table, len(d.tables)),
		accounts: make(map[int64]*account, len(d.accounts)),
		keys:     maps.Clone(d.keys),
		seq:      maps.Clone(d.seq),
	}
	for name, t := range d.tables {
		nt := &table{rows: make(map[int64]*record, len(t.rows)), next: t.next}
		for id, r := range t.rows {
			nt.rows[id] = &record{id: id, vals: maps.Clone(r.vals)}
		}
		c.tables[name] = nt
	}
	for uid, a := range d.accounts {
		na := *a
		c.accounts[uid] = &na
	}
	return c
}

// env is the execution environment of one call: the user, the context and
// the database, like Odoo's api.Environment.
type env struct {
	s      *Server
	db     *database
	models map[string]*model
	major  int
	uid    int64
	acct   *account
	ctx    map[string]any
	su     bool // superuser: access rights are not checked
	now    time.Time
}

func (e *env) sudo() *env {
	c := *e
	c.su = true
	return &c
}

func (e *env) withContext(ctx map[string]any) *env {
	c := *e
	c.ctx = ctx
	return &c
}

func (e *env) table(m *model) *table { return e.db.tables[m.name] }

func (e *env) row(m *model, id int64) *record {
	t := e.db.tables[m.name]
	if t == nil {
		return nil
	}
	return t.rows[id]
}

// allIDs lists the ids of a model in ascending order.
func (e *env) allIDs(m *model) []int64 {
	t := e.table(m)
	ids := make([]int64, 0, len(t.rows))
	for id := range t.rows {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// existing keeps the ids that exist, in order, without duplicates.
func (e *env) existing(m *model, ids []int64) []int64 {
	out := make([]int64, 0, len(ids))
	seen := map[int64]bool{}
	for _, id := range ids {
		if !seen[id] && e.row(m, id) != nil {
			out = append(out, id)
		}
		seen[id] = true
	}
	return out
}

func (e *env) activeTest() bool {
	if v, ok := e.ctx["active_test"]; ok {
		return pyTruthy(v)
	}
	return true
}

func (e *env) timestamp() string { return e.now.UTC().Format(dtLayout) }

const (
	dateLayout = "2006-01-02"
	dtLayout   = "2006-01-02 15:04:05"
)
