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

// gval is one group-by value of a group, in the forms both methods show.
type gval struct {
	read any   // read_group (18): [id, name], a date label, a raw value
	frg  any   // formatted_read_group (19): [id, name], [start, label], a raw value
	rng  any   // read_group's __range entry of a date group, nil otherwise
	key  any   // sort key
	dom  []any // the condition selecting the group: a leaf, or "&" and two leaves
}

// group is one bucket of records.
type group struct {
	vals []gval
	ids  []int64
	aggs map[string]any // computed aggregates by spec, for having and order
}

// dateGranularities are the granularities both versions group dates by.
var dateGranularities = map[string]bool{"day": true, "week": true, "month": true, "quarter": true, "year": true}

func (e *env) parseGroupBy(m *model, v any) ([]groupSpec, error) {
	var out []groupSpec
	for _, s := range strList(v) {
		name, gran, _ := strings.Cut(s, ":")
		f := m.field(name)
		if f == nil {
			return nil, e.invalidFieldError(m, name)
		}
		if f.typ == "date" || f.typ == "datetime" {
			if gran == "" {
				gran = "month"
			}
			if !dateGranularities[gran] {
				return nil, e.errValue(fmt.Sprintf("Granularity %s is not supported for %s", pyRepr(gran), pyRepr(s)))
			}
		} else if gran != "" {
			return nil, e.errValue(fmt.Sprintf("Granularity set on a no-datetime field or property: %s", pyRepr(s)))
		}
		out = append(out, groupSpec{f: f, gran: gran, key: s})
	}
	return out, nil
}

// tzOffset is the fixed offset of the context's time zone (the fake knows
// a few zones, without daylight saving time); unknown zones are ignored,
// as Odoo ignores them.
func (e *env) tzOffset() time.Duration {
	tz, _ := e.ctx["tz"].(string)
	o, ok := tzOffsets[tz]
	if !ok {
		return 0
	}
	t, err := time.Parse("-0700", o)
	if err != nil {
		return 0
	}
	_, secs := t.Zone()
	return time.Duration(secs) * time.Second
}

// groupValue is the value of one record for one group-by.
func (e *env) groupValue(m *model, r *record, g groupSpec) gval {
	raw := e.get(m, r, g.f)
	switch g.f.typ {
	case "many2one":
		id, _ := raw.(int64)
		if id == 0 {
			return gval{read: false, frg: false, dom: []any{g.f.name, "=", false}}
		}
		name := e.displayNameOf(g.f.relation, id)
		return gval{read: []any{id, name}, frg: []any{id, name}, key: strings.ToLower(name), dom: []any{g.f.name, "=", id}}
	case "date", "datetime":
		s, _ := raw.(string)
		if s == "" {
			return gval{read: false, frg: false, rng: false, dom: []any{g.f.name, "=", false}}
		}
		layout := dateLayout
		var off time.Duration
		if g.f.typ == "datetime" {
			layout, off = dtLayout, e.tzOffset()
		}
		t, _ := time.Parse(layout, s[:len(layout)])
		local := t.Add(off)
		start, end, label := dateBucket(time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC), g.gran)
		from, to := start.Add(-off).Format(layout), end.Add(-off).Format(layout)
		return gval{read: label, frg: []any{from, label}, rng: obj{{"from", from}, {"to", to}}, key: from,
			dom: []any{"&", []any{g.f.name, ">=", from}, []any{g.f.name, "<", to}}}
	case "one2many", "many2many":
		return gval{read: false, frg: false, dom: []any{g.f.name, "=", false}}
	}
	v := e.readValue(g.f, raw, "_classic_read")
	return gval{read: v, frg: v, key: e.sortKey(g.f, raw), dom: []any{g.f.name, "=", e.readValue(g.f, raw, "")}}
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

// groupRecords searches and buckets the records by the group-by fields,
// ordered by the group-by values.
func (e *env) groupRecords(m *model, domain any, specs []groupSpec) ([]*group, error) {
	found, err := e.search(m, domain, 0, 0, "")
	if err != nil {
		return nil, err
	}
	index := map[string]*group{}
	var groups []*group
	for _, id := range found {
		r := e.row(m, id)
		g := &group{aggs: map[string]any{}}
		sig := make([]any, 0, len(specs))
		for _, s := range specs {
			v := e.groupValue(m, r, s)
			g.vals = append(g.vals, v)
			sig = append(sig, v.read)
		}
		key := pyRepr(sig)
		if old, ok := index[key]; ok {
			old.ids = append(old.ids, id)
			continue
		}
		g.ids = []int64{id}
		index[key] = g
		groups = append(groups, g)
	}
	sort.SliceStable(groups, func(a, b int) bool {
		for i := range specs {
			if c := compareKeys(groups[a].vals[i].key, groups[b].vals[i].key, false, false); c != 0 {
				return c < 0
			}
		}
		return false
	})
	return groups, nil
}

// aggregateFunctions are the aggregate functions of _read_group.
var aggregateFunctions = map[string]bool{
	"sum": true, "avg": true, "min": true, "max": true, "count": true, "count_distinct": true,
	"bool_and": true, "bool_or": true, "array_agg": true, "array_agg_distinct": true,
}

// aggregate computes one aggregate of field f over ids.
func (e *env) aggregate(m *model, f *field, fn string, ids []int64) any {
	if fn == "count" {
		return int64(len(ids))
	}
	var vals []float64
	distinct := map[string]bool{}
	var list []any
	for _, id := range ids {
		raw := e.get(m, e.row(m, id), f)
		v := e.readValue(f, raw, "")
		list = append(list, v)
		if v != false && v != nil {
			distinct[pyRepr(v)] = true
		}
		if x, ok := asFloat(raw); ok {
			vals = append(vals, x)
		}
	}
	switch fn {
	case "count_distinct":
		return int64(len(distinct))
	case "array_agg":
		return list
	case "bool_and", "bool_or":
		res := fn == "bool_and"
		for _, v := range list {
			if fn == "bool_and" {
				res = res && pyTruthy(v)
			} else {
				res = res || pyTruthy(v)
			}
		}
		return res
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

// aggSpec is a parsed aggregate: "amount_total:sum" (19) or the read_group
// forms "amount_total", "amount_total:sum" and "total:sum(amount_total)".
type aggSpec struct {
	name string // the key in the result
	spec string // field:function, or __count
	fn   string
	f    *field
}

func (e *env) parseAggregate(m *model, s string) (aggSpec, error) {
	if s == "__count" {
		return aggSpec{name: s, spec: s, fn: "count"}, nil
	}
	name, fn, _ := strings.Cut(s, ":")
	fname := name
	if i := strings.IndexByte(fn, '('); i > 0 && strings.HasSuffix(fn, ")") {
		fn, fname = fn[:i], fn[i+1:len(fn)-1]
	}
	f := m.field(fname)
	if f == nil {
		return aggSpec{}, e.invalidFieldError(m, fname)
	}
	if fn != "" && !aggregateFunctions[fn] {
		return aggSpec{}, e.errValue(fmt.Sprintf("Invalid aggregate method %s for %s.", pyRepr(fn), pyRepr(s)),
			fr(pModels(e.major), 1922, "<listcomp>", "self._read_group_select(spec, query)"),
			fr(pModels(e.major), 2007, "_read_group_select", `raise ValueError(f"Invalid aggregate method {func!r} for {aggregate_spec!r}.")`))
	}
	return aggSpec{name: name, spec: fname + ":" + fn, fn: fn, f: f}, nil
}

// value computes (once) an aggregate of a group.
func (e *env) aggValue(m *model, g *group, a aggSpec) any {
	if v, ok := g.aggs[a.spec]; ok {
		return v
	}
	var v any
	if a.spec == "__count" {
		v = int64(len(g.ids))
	} else {
		v = e.aggregate(m, a.f, a.fn, g.ids)
	}
	g.aggs[a.spec] = v
	return v
}

// orderTermKey is one term of a group order: a group-by (by index) or an
// aggregate.
type groupOrder struct {
	by   int // group-by index, or -1
	agg  aggSpec
	desc bool
}

func (e *env) sortGroups(m *model, groups []*group, terms []groupOrder) {
	sort.SliceStable(groups, func(a, b int) bool {
		for _, t := range terms {
			var ka, kb any
			if t.by >= 0 {
				ka, kb = groups[a].vals[t.by].key, groups[b].vals[t.by].key
			} else {
				ka, kb = aggKey(e.aggValue(m, groups[a], t.agg)), aggKey(e.aggValue(m, groups[b], t.agg))
			}
			// PostgreSQL puts NULLs last ascending, first descending
			if c := compareKeys(ka, kb, t.desc, t.desc); c != 0 {
				return c < 0
			}
		}
		return false
	})
}

// aggKey is the sort key of an aggregate value: a number, or nil for
// false (no value).
func aggKey(v any) any {
	switch x := v.(type) {
	case pyFloat:
		return float64(x)
	case int64:
		return float64(x)
	case bool:
		if x {
			return float64(1)
		}
		return nil
	case float64, string:
		return x
	}
	return nil
}

// parseGroupOrder reads an order of groups: terms name a group-by (its
// spec, or its field as read_group allows), an aggregate result name
// (resolve) or, on 19, any aggregate spec.
func (e *env) parseGroupOrder(m *model, order string, specs []groupSpec, resolve func(string) (aggSpec, bool)) ([]groupOrder, error) {
	var out []groupOrder
	for _, part := range strings.Split(order, ",") {
		words := strings.Fields(part)
		if len(words) == 0 {
			continue
		}
		t := groupOrder{by: -1, desc: len(words) > 1 && strings.EqualFold(words[1], "desc")}
		for i, s := range specs {
			if words[0] == s.key || words[0] == s.f.name {
				t.by = i
				break
			}
		}
		if t.by < 0 {
			a, ok := resolve(words[0])
			if !ok {
				return nil, e.errValue(fmt.Sprintf("Order term %s is not a valid aggregate nor valid groupby", pyRepr(words[0])))
			}
			t.agg = a
		}
		out = append(out, t)
	}
	return out, nil
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
	var aggs []aggSpec
	for _, spec := range strList(c.arg("fields")) {
		if spec == "__count" {
			continue
		}
		a, err := e.parseAggregate(m, spec)
		if err != nil {
			return nil, err
		}
		if a.fn == "" {
			f := a.f
			if f.typ != "integer" && f.typ != "float" && f.typ != "monetary" || f.name == "id" || !f.store {
				continue
			}
			a.fn, a.spec = "sum", f.name+":sum"
		}
		grouped := false
		for _, s := range specs {
			grouped = grouped || s.f == a.f && a.name == a.f.name
		}
		if !grouped {
			aggs = append(aggs, a)
		}
	}
	countName := "__count"
	if lazy && len(specs) > 0 {
		countName = specs[0].f.name + "_count"
	}
	groups, err := e.groupRecords(m, c.arg("domain"), specs)
	if err != nil {
		return nil, err
	}
	if ob, _ := c.arg("orderby").(string); strings.TrimSpace(ob) != "" {
		// read_group orders by result names only: group-bys, aggregate
		// names (aliases) and the count
		terms, err := e.parseGroupOrder(m, ob, specs, func(name string) (aggSpec, bool) {
			if name == countName || name == "__count" {
				return aggSpec{name: name, spec: "__count", fn: "count"}, true
			}
			for _, a := range aggs {
				if a.name == name {
					return a, true
				}
			}
			return aggSpec{}, false
		})
		if err != nil {
			return nil, err
		}
		e.sortGroups(m, groups, terms)
	}
	groups = page(groups, c.intArg("offset"), c.intArg("limit"))
	base, _ := c.arg("domain").([]any)
	out := []any{}
	for _, g := range groups {
		row := obj{}
		doms := [][]any{base}
		var ranges obj
		for i, s := range specs {
			row = append(row, kv{s.key, g.vals[i].read})
			doms = append(doms, groupDomain(g.vals[i].dom))
			if g.vals[i].rng != nil {
				ranges = append(ranges, kv{s.key, g.vals[i].rng})
			}
		}
		row = append(row, kv{countName, int64(len(g.ids))})
		for _, a := range aggs {
			row = append(row, kv{a.name, e.aggValue(m, g, a)})
		}
		if ranges != nil {
			row = append(row, kv{"__range", ranges})
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
	var aggs []aggSpec
	for _, s := range strList(c.arg("aggregates")) {
		a, err := e.parseAggregate(m, s)
		if err != nil {
			return nil, err
		}
		if a.fn == "" {
			return nil, e.errValue(fmt.Sprintf("Invalid aggregate specification %s.", pyRepr(s)))
		}
		aggs = append(aggs, a)
	}
	resolve := func(spec string) (aggSpec, bool) {
		a, err := e.parseAggregate(m, spec)
		return a, err == nil && a.fn != ""
	}
	having, _ := c.arg("having").([]any)
	groups, err := e.groupRecords(m, c.arg("domain"), specs)
	if err != nil {
		return nil, err
	}
	if len(having) > 0 {
		kept := groups[:0]
		for _, g := range groups {
			ok, err := e.matchHaving(m, g, having, resolve)
			if err != nil {
				return nil, err
			}
			if ok {
				kept = append(kept, g)
			}
		}
		groups = kept
	}
	if ob, _ := c.arg("order").(string); strings.TrimSpace(ob) != "" {
		terms, err := e.parseGroupOrder(m, ob, specs, resolve)
		if err != nil {
			return nil, err
		}
		e.sortGroups(m, groups, terms)
	}
	groups = page(groups, c.intArg("offset"), c.intArg("limit"))
	out := []any{}
	for _, g := range groups {
		row := obj{}
		var extra [][]any
		for i, s := range specs {
			row = append(row, kv{s.key, g.vals[i].frg})
			extra = append(extra, groupDomain(g.vals[i].dom))
		}
		row = append(row, kv{"__extra_domain", flatAnd(extra...)})
		for _, a := range aggs {
			row = append(row, kv{a.name + aggSuffix(a), e.aggValue(m, g, a)})
		}
		out = append(out, row)
	}
	return out, nil
}

func aggSuffix(a aggSpec) string {
	if a.spec == "__count" {
		return ""
	}
	return ":" + a.fn
}

// flatAnd is the AND of several domains as 19's Domain objects print it:
// one "&" per extra condition, in front.
func flatAnd(domains ...[]any) []any {
	var leaves []any
	for _, d := range domains {
		for _, t := range d {
			if t != "&" {
				leaves = append(leaves, t)
			}
		}
	}
	out := []any{}
	for i := 1; i < len(leaves); i++ {
		out = append(out, "&")
	}
	return append(out, leaves...)
}

// matchHaving evaluates a having domain over the aggregates of a group.
func (e *env) matchHaving(m *model, g *group, having []any, resolve func(string) (aggSpec, bool)) (bool, error) {
	pos := 0
	var eval func() (bool, error)
	eval = func() (bool, error) {
		if pos >= len(having) {
			return true, nil
		}
		t := having[pos]
		pos++
		switch t {
		case "&", "|":
			a, err := eval()
			if err != nil {
				return false, err
			}
			b, err := eval()
			if err != nil {
				return false, err
			}
			if t == "&" {
				return a && b, nil
			}
			return a || b, nil
		case "!":
			a, err := eval()
			return !a, err
		}
		leaf, ok := t.([]any)
		if !ok || len(leaf) != 3 {
			return false, e.errValue(fmt.Sprintf("Invalid having term %s", pyRepr(t)))
		}
		name, _ := leaf[0].(string)
		a, ok := resolve(name)
		if !ok {
			return false, e.errValue(fmt.Sprintf("Invalid field %s on model %s", pyRepr(name), pyRepr(m.name)))
		}
		v, _ := asFloat(aggKey(e.aggValue(m, g, a)))
		op, _ := leaf[1].(string)
		switch op {
		case "in", "not in":
			in := false
			list, _ := leaf[2].([]any)
			for _, x := range list {
				if y, ok := asFloat(x); ok && y == v {
					in = true
				}
			}
			return in == (op == "in"), nil
		}
		w, ok := asFloat(leaf[2])
		if !ok {
			return false, e.errValue(fmt.Sprintf("Invalid having value %s", pyRepr(leaf[2])))
		}
		switch op {
		case "=":
			return v == w, nil
		case "!=", "<>":
			return v != w, nil
		case "<":
			return v < w, nil
		case "<=":
			return v <= w, nil
		case ">":
			return v > w, nil
		case ">=":
			return v >= w, nil
		}
		return false, e.errValue(fmt.Sprintf("Invalid having operator %s", pyRepr(op)))
	}
	// top-level terms are ANDed
	for pos < len(having) {
		ok, err := eval()
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}
