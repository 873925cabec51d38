package fakeodoo

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// groupSpec is one group-by of read_group / formatted_read_group.
type groupSpec struct {
	f    *field
	gran string // date granularity
	key  string // as written: "date_order:month"
}

// group is one bucket of records.
type group struct {
	vals []any // read values of the group-by fields
	keys []any // sortable keys
	ids  []int64
	doms [][]any
}

func (e *env) parseGroupBy(m *model, v any) ([]groupSpec, error) {
	var out []groupSpec
	for _, s := range strList(v) {
		name, gran, _ := strings.Cut(s, ":")
		f := m.field(name)
		if f == nil {
			return nil, e.invalidFieldError(m, name)
		}
		if gran == "" && (f.typ == "date" || f.typ == "datetime") {
			gran = "month"
		}
		out = append(out, groupSpec{f: f, gran: gran, key: s})
	}
	return out, nil
}

// groupValue is the value (as read) and the domain of one record for one
// group-by.
func (e *env) groupValue(m *model, r *record, g groupSpec) (any, any, []any) {
	raw := e.get(m, r, g.f)
	switch g.f.typ {
	case "many2one":
		id, _ := raw.(int64)
		if id == 0 {
			return false, nil, []any{g.f.name, "=", false}
		}
		name := e.displayNameOf(g.f.relation, id)
		return []any{id, name}, strings.ToLower(name), []any{g.f.name, "=", id}
	case "date", "datetime":
		s, _ := raw.(string)
		if s == "" {
			return false, nil, []any{g.f.name, "=", false}
		}
		t, _ := time.Parse(dateLayout, s[:10])
		start, end, label := dateBucket(t, g.gran)
		layout := dateLayout
		if g.f.typ == "datetime" {
			layout = dtLayout
		}
		return label, start.Format(dateLayout), []any{"&", []any{g.f.name, ">=", start.Format(layout)}, []any{g.f.name, "<", end.Format(layout)}}
	case "one2many", "many2many":
		return false, nil, []any{g.f.name, "=", false}
	}
	key := e.sortKey(g.f, raw)
	return e.readValue(g.f, raw, "_classic_read"), key, []any{g.f.name, "=", e.readValue(g.f, raw, "")}
}

func dateBucket(t time.Time, gran string) (time.Time, time.Time, string) {
	switch gran {
	case "day":
		return t, t.AddDate(0, 0, 1), t.Format("02 Jan 2006")
	case "week":
		wd := (int(t.Weekday()) + 6) % 7
		start := t.AddDate(0, 0, -wd)
		y, w := start.ISOWeek()
		return start, start.AddDate(0, 0, 7), fmt.Sprintf("W%d %d", w, y)
	case "quarter":
		q := (int(t.Month()) - 1) / 3
		start := time.Date(t.Year(), time.Month(q*3+1), 1, 0, 0, 0, 0, time.UTC)
		return start, start.AddDate(0, 3, 0), fmt.Sprintf("Q%d %d", q+1, t.Year())
	case "year":
		start := time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
		return start, start.AddDate(1, 0, 0), fmt.Sprint(t.Year())
	}
	start := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	return start, start.AddDate(0, 1, 0), t.Format("January 2006")
}

// groupRecords searches and buckets the records by the group-by fields.
func (e *env) groupRecords(m *model, domain any, specs []groupSpec) ([]*group, error) {
	found, err := e.search(m, domain, 0, 0, "")
	if err != nil {
		return nil, err
	}
	index := map[string]*group{}
	var groups []*group
	for _, id := range found {
		r := e.row(m, id)
		g := &group{}
		for _, s := range specs {
			v, k, d := e.groupValue(m, r, s)
			g.vals, g.keys, g.doms = append(g.vals, v), append(g.keys, k), append(g.doms, d)
		}
		sig := pyRepr(g.vals)
		if old, ok := index[sig]; ok {
			old.ids = append(old.ids, id)
			continue
		}
		g.ids = []int64{id}
		index[sig] = g
		groups = append(groups, g)
	}
	sort.SliceStable(groups, func(a, b int) bool {
		for i := range specs {
			if c := compareKeys(groups[a].keys[i], groups[b].keys[i], false, false); c != 0 {
				return c < 0
			}
		}
		return false
	})
	return groups, nil
}

// aggregate computes one aggregate ("sum", "avg", "min", "max", "count",
// "count_distinct", "bool_and", "bool_or") of field f over ids.
func (e *env) aggregate(m *model, f *field, fn string, ids []int64) any {
	var vals []float64
	distinct := map[string]bool{}
	for _, id := range ids {
		raw := e.get(m, e.row(m, id), f)
		distinct[pyRepr(e.readValue(f, raw, ""))] = true
		if x, ok := asFloat(raw); ok {
			vals = append(vals, x)
		}
	}
	switch fn {
	case "count":
		return int64(len(ids))
	case "count_distinct":
		return int64(len(distinct))
	}
	if len(vals) == 0 {
		return false
	}
	res := vals[0]
	for _, x := range vals[1:] {
		switch fn {
		case "min":
			res = min(res, x)
		case "max":
			res = max(res, x)
		default:
			res += x
		}
	}
	if fn == "avg" {
		res /= float64(len(vals))
	}
	if f.typ == "integer" && fn != "avg" {
		return int64(res)
	}
	return pyFloat(res)
}

func runReadGroup(c *call) (any, error) {
	e, m := c.e, c.m
	specs, err := e.parseGroupBy(m, c.arg("groupby"))
	if err != nil {
		return nil, err
	}
	lazy := pyTruthy(c.arg("lazy"))
	rest := []any{}
	if lazy && len(specs) > 1 {
		for _, s := range specs[1:] {
			rest = append(rest, s.key)
		}
		specs = specs[:1]
	}
	type agg struct {
		alias, fn string
		f         *field
	}
	var aggs []agg
	for _, spec := range strList(c.arg("fields")) {
		alias, fn, f := spec, "", (*field)(nil)
		name, rhs, hasFn := strings.Cut(spec, ":")
		alias = name
		if hasFn {
			fn = rhs
			if i := strings.IndexByte(rhs, '('); i > 0 && strings.HasSuffix(rhs, ")") {
				fn, name = rhs[:i], rhs[i+1:len(rhs)-1]
			}
		}
		if name == "__count" {
			continue
		}
		if f = m.field(name); f == nil {
			return nil, e.invalidFieldError(m, name)
		}
		if fn == "" {
			if f.typ != "integer" && f.typ != "float" && f.typ != "monetary" || f.name == "id" || !f.store {
				continue
			}
			fn = "sum"
		}
		grouped := false
		for _, s := range specs {
			grouped = grouped || s.f == f
		}
		if !grouped {
			aggs = append(aggs, agg{alias, fn, f})
		}
	}
	groups, err := e.groupRecords(m, c.arg("domain"), specs)
	if err != nil {
		return nil, err
	}
	groups = page(groups, c.intArg("offset"), c.intArg("limit"))
	base, _ := c.arg("domain").([]any)
	out := []any{}
	for _, g := range groups {
		row := obj{}
		doms := [][]any{base}
		for i, s := range specs {
			row = append(row, kv{s.key, g.vals[i]})
			doms = append(doms, groupDomain(g.doms[i]))
		}
		if lazy && len(specs) > 0 {
			row = append(row, kv{specs[0].f.name + "_count", int64(len(g.ids))})
		} else {
			row = append(row, kv{"__count", int64(len(g.ids))})
		}
		for _, a := range aggs {
			row = append(row, kv{a.alias, e.aggregate(m, a.f, a.fn, g.ids)})
		}
		row = append(row, kv{"__domain", andDomains(doms...)})
		if len(rest) > 0 {
			row = append(row, kv{"__context", obj{{"group_by", rest}}})
		}
		out = append(out, row)
	}
	return out, nil
}

// groupDomain turns the condition of a group (a leaf, or an "&" of two
// leaves for a date range) into a domain.
func groupDomain(cond []any) []any {
	if len(cond) > 0 && cond[0] == "&" {
		return cond
	}
	return []any{cond}
}

func page[T any](items []T, offset, limit int) []T {
	if offset > 0 {
		items = items[min(offset, len(items)):]
	}
	if limit > 0 && len(items) > limit {
		items = items[:limit]
	}
	return items
}

func runFormattedReadGroup(c *call) (any, error) {
	e, m := c.e, c.m
	specs, err := e.parseGroupBy(m, c.arg("groupby"))
	if err != nil {
		return nil, err
	}
	aggSpecs := strList(c.arg("aggregates"))
	for _, a := range aggSpecs {
		if a == "__count" {
			continue
		}
		name, _, _ := strings.Cut(a, ":")
		if m.field(name) == nil {
			return nil, e.invalidFieldError(m, name)
		}
	}
	groups, err := e.groupRecords(m, c.arg("domain"), specs)
	if err != nil {
		return nil, err
	}
	groups = page(groups, c.intArg("offset"), c.intArg("limit"))
	out := []any{}
	for _, g := range groups {
		row := obj{}
		extra := []any{}
		for i, s := range specs {
			row = append(row, kv{s.key, g.vals[i]})
			if d := g.doms[i]; len(d) > 0 && d[0] == "&" {
				extra = append(extra, d[1:]...)
			} else {
				extra = append(extra, d)
			}
		}
		row = append(row, kv{"__extra_domain", extra})
		for _, a := range aggSpecs {
			if a == "__count" {
				row = append(row, kv{"__count", int64(len(g.ids))})
				continue
			}
			name, fn, _ := strings.Cut(a, ":")
			if fn == "" {
				fn = "sum"
			}
			row = append(row, kv{a, e.aggregate(m, m.field(name), fn, g.ids)})
		}
		out = append(out, row)
	}
	return out, nil
}
