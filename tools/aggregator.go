package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

type aggregatorArgs struct {
	Model      string       `json:"model"`
	Domain     Domain       `json:"domain"`
	GroupBy    []string     `json:"group_by"`
	Aggregates []string     `json:"aggregates"`
	Having     Domain       `json:"having"`
	Order      string       `json:"order"`
	Limit      int          `json:"limit"`
	Offset     int          `json:"offset"`
	Context    *CallContext `json:"context"`
}

// groupValue is one group-by value of a group: Odoo's raw value (an id, a
// selection key, the start of a date range, false for "none") and, where
// Odoo names it, its display name.
type groupValue struct {
	Value       json.RawMessage `json:"value"`
	DisplayName *string         `json:"display_name,omitempty"`
}

type aggregateGroup struct {
	Values     map[string]groupValue      `json:"values"`
	Aggregates map[string]json.RawMessage `json:"aggregates"`
	Count      int64                      `json:"count"`
	Domain     []any                      `json:"domain"`
}

type aggregatorResult struct {
	Model      string           `json:"model"`
	GroupBy    []string         `json:"group_by"`
	Aggregates []string         `json:"aggregates"`
	Groups     []aggregateGroup `json:"groups"`
	Count      int              `json:"count"`
	Offset     int              `json:"offset"`
	Limit      int              `json:"limit"`
	HasMore    bool             `json:"has_more"`
	NextOffset *int             `json:"next_offset,omitempty"`
	Note       string           `json:"note,omitempty"`
}

func aggregator() Tool {
	return Tool{
		Def: &mcp.Tool{
			Name:  "odoo_record_aggregator",
			Title: "Total Odoo records by group",
			Description: `Count and total records of an Odoo model by group (sums, averages, minimums, maximums, distinct counts), as the calling Odoo user (access rights and record rules apply). Use it instead of reading every record to add them up.

Arguments:
- model: technical model name, e.g. "sale.order".
- domain: which records to count, as in odoo_record_retriever, e.g. [["state", "=", "sale"]]. Empty: all records.
- group_by: fields to group by, in order. Dates and datetimes take a granularity: "date_order:month" (day, week, month, quarter, year). Example: ["date_order:month", "user_id"]. Empty: one group with the totals.
- aggregates: what to compute per group: "field:sum", "field:avg", "field:min", "field:max", "field:count_distinct", or "__count" (records per group). Example: ["amount_total:sum"]. Every group has its record count anyway.
- having: conditions on the aggregates, like a domain: [["amount_total:sum", ">", 1000]] (Odoo 19 and later only).
- order: e.g. "amount_total:sum desc" or "date_order:month asc, __count desc"; terms are group_by entries, aggregates or __count. Empty: by the group_by values.
- limit: most groups (0 = default 100; capped by the server's maximum). offset: groups to skip, for paging.

The result is JSON: groups, each with values (per group_by entry: value, and display_name for records and dates), aggregates, count and domain, the domain that selects exactly the group's records: pass it to odoo_record_retriever to see them. has_more and next_offset page through the groups.`,
			InputSchema: object(schema{
				"model":      modelProp(),
				"domain":     domainSchema("Odoo domain selecting the records to group; empty list for all records"),
				"group_by":   arrayOf(typed("string", `a field, or a date field with a granularity such as "date_order:month"`), "fields to group by, in order; empty list for one group with the totals"),
				"aggregates": arrayOf(typed("string", `"field:sum", "field:avg", "field:min", "field:max", "field:count_distinct" or "__count"`), "aggregates to compute per group; empty list for the record count only"),
				"having":     domainSchema(`conditions on aggregates such as [["amount_total:sum", ">", 1000]] (Odoo 19+); empty list for none`),
				"order":      typed("string", `group order such as "amount_total:sum desc"; empty for the group_by order`),
				"limit":      typed("integer", "maximum number of groups; 0 for the default (100)"),
				"offset":     typed("integer", "number of groups to skip; 0 to start at the first"),
			}, "model"),
			OutputSchema: outputObject(schema{
				"model":      typed("string", ""),
				"group_by":   arrayOf(typed("string", ""), ""),
				"aggregates": arrayOf(typed("string", ""), ""),
				"groups": arrayOf(outputObject(schema{
					"values":     schema{"type": "object", "additionalProperties": outputObject(schema{"value": schema{}, "display_name": typed("string", "")}, "value"), "description": "per group_by entry: value, and display_name for records and dates"},
					"aggregates": schema{"type": "object", "description": "per aggregate: its value (false when no record has one)"},
					"count":      typed("integer", "records in the group"),
					"domain":     schema{"type": "array", "description": "domain selecting exactly the group's records (the call's domain included)"},
				}, "values", "aggregates", "count", "domain"), ""),
				"count":       typed("integer", "groups in this page"),
				"offset":      typed("integer", ""),
				"limit":       typed("integer", ""),
				"has_more":    typed("boolean", "more groups exist beyond this page"),
				"next_offset": typed("integer", "offset of the next page, when has_more"),
				"note":        typed("string", ""),
			}, "model", "group_by", "aggregates", "groups", "count", "offset", "limit", "has_more"),
			Annotations: annotations(true, false, true),
		},
		handler: func(e *env) mcp.ToolHandler {
			return handle(e, e.aggregate, audited[aggregatorArgs, aggregatorResult]{
				model: func(a aggregatorArgs) string { return a.Model },
			})
		},
	}
}

var (
	groupByPattern = regexp.MustCompile(`^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*(:[a-z_]+)?$`)
	fieldPattern   = regexp.MustCompile(`^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$`)
)

// granularities are the date granularities of Odoo 16 to 19; the integer
// date parts (month_number, ...) exist from Odoo 18 on and are passed as they are.
var granularities = map[string]bool{
	"day": true, "week": true, "month": true, "quarter": true, "year": true,
	"year_number": true, "quarter_number": true, "month_number": true, "iso_week_number": true,
	"day_of_year": true, "day_of_month": true, "day_of_week": true, "hour_number": true,
	"minute_number": true, "second_number": true,
}

var aggregateFunctions = map[string]bool{"sum": true, "avg": true, "min": true, "max": true, "count_distinct": true}

// aggSpec is one parsed aggregate: "amount_total:sum" or "__count".
type aggSpec struct {
	spec, field, fn string
}

func parseAggregate(s string) (aggSpec, error) {
	s = strings.TrimSpace(s)
	if s == "__count" {
		return aggSpec{spec: s}, nil
	}
	field, fn, ok := strings.Cut(s, ":")
	if !ok || !fieldPattern.MatchString(field) {
		return aggSpec{}, argErrorf("aggregate %q is not \"field:function\" or \"__count\", e.g. \"amount_total:sum\"", s)
	}
	if !aggregateFunctions[fn] {
		return aggSpec{}, argErrorf("aggregate %q: unknown function %q; use sum, avg, min, max or count_distinct", s, fn)
	}
	return aggSpec{spec: s, field: field, fn: fn}, nil
}

// aggPlan is a validated aggregator call, independent of Odoo's version.
type aggPlan struct {
	groupBy []string
	aggs    []aggSpec
	order   []orderPart
	having  Domain
}

type orderPart struct{ term, dir string }

func planAggregate(in aggregatorArgs) (aggPlan, error) {
	var p aggPlan
	seen := map[string]bool{}
	for _, g := range in.GroupBy {
		g = strings.TrimSpace(g)
		if !groupByPattern.MatchString(g) {
			return p, argErrorf("group_by entry %q is not a field name or \"field:granularity\", e.g. \"user_id\" or \"date_order:month\"", g)
		}
		if _, gran, ok := strings.Cut(g, ":"); ok && !granularities[gran] {
			return p, argErrorf("group_by entry %q: unknown granularity %q; use day, week, month, quarter or year", g, gran)
		}
		if seen[g] {
			return p, argErrorf("group_by entry %q is given twice", g)
		}
		seen[g] = true
		p.groupBy = append(p.groupBy, g)
	}
	aggSeen := map[string]bool{}
	for _, a := range in.Aggregates {
		s, err := parseAggregate(a)
		if err != nil {
			return p, err
		}
		if aggSeen[s.spec] {
			return p, argErrorf("aggregate %q is given twice", s.spec)
		}
		aggSeen[s.spec] = true
		p.aggs = append(p.aggs, s)
	}
	if strings.TrimSpace(in.Order) != "" {
		for _, part := range strings.Split(in.Order, ",") {
			words := strings.Fields(part)
			if len(words) == 0 || len(words) > 2 {
				return p, argErrorf("order %q is not a list of terms with optional asc/desc, e.g. \"amount_total:sum desc\"", in.Order)
			}
			op := orderPart{term: words[0]}
			if len(words) == 2 {
				op.dir = strings.ToLower(words[1])
				if op.dir != "asc" && op.dir != "desc" {
					return p, argErrorf("order term %q: the direction must be asc or desc", strings.TrimSpace(part))
				}
			}
			if !seen[op.term] && !aggSeen[op.term] && op.term != "__count" {
				return p, argErrorf("order term %q is neither a group_by entry nor one of the aggregates; order by %s", op.term, strings.Join(orderable(p), ", "))
			}
			p.order = append(p.order, op)
		}
	}
	if err := checkHaving(in.Having); err != nil {
		return p, err
	}
	p.having = in.Having
	return p, nil
}

func orderable(p aggPlan) []string {
	out := append([]string{}, p.groupBy...)
	for _, a := range p.aggs {
		if a.spec != "__count" {
			out = append(out, a.spec)
		}
	}
	return append(out, "__count")
}

// checkHaving refuses having conditions on anything but aggregates (the
// domain's structure is checked already).
func checkHaving(d Domain) error {
	for _, t := range d {
		c, ok := t.([]any)
		if !ok || len(c) != 3 {
			continue
		}
		name, _ := c[0].(string)
		if _, err := parseAggregate(name); err != nil {
			return argErrorf("having: %q is not an aggregate; conditions in having name aggregates such as \"amount_total:sum\" or \"__count\"", name)
		}
	}
	return nil
}

func (e *env) aggregate(ctx context.Context, c Caller, in aggregatorArgs) (aggregatorResult, error) {
	var res aggregatorResult
	if err := e.Policy.checkModel(in.Model); err != nil {
		return res, err
	}
	if in.Limit < 0 || in.Offset < 0 {
		return res, argErrorf("limit and offset must be zero or positive")
	}
	plan, err := planAggregate(in)
	if err != nil {
		return res, err
	}
	if rel := e.relationsOf(ctx, c, in.Model); rel != nil {
		if err := rel.domain(in.Model, "", in.Domain, "the domain"); err != nil {
			return res, err
		}
		if err := rel.fieldList(in.Model, in.GroupBy, "group_by"); err != nil {
			return res, err
		}
		if err := rel.fieldList(in.Model, in.Aggregates, "aggregates"); err != nil {
			return res, err
		}
		if err := rel.order(in.Model, in.Order, "the order"); err != nil {
			return res, err
		}
	}
	major, err := e.major(ctx)
	if err != nil {
		return res, err
	}
	if len(plan.having) > 0 && major < 19 {
		return res, argErrorf("having needs Odoo 19 or later (formatted_read_group); this Odoo is %d: leave having empty and compare the aggregates yourself", major)
	}
	limit := in.Limit
	if limit == 0 {
		limit = e.Policy.DefaultLimit
	}
	if limit > e.Policy.MaxLimit {
		res.Note = fmt.Sprintf("limit %d lowered to the server maximum %d", limit, e.Policy.MaxLimit)
		limit = e.Policy.MaxLimit
	}
	domain := in.Domain
	if domain == nil {
		domain = Domain{}
	}
	// One group more than asked says whether another page exists.
	var groups []aggregateGroup
	if major >= 19 {
		groups, err = e.formattedReadGroup(ctx, c, in.Model, domain, plan, in.Offset, limit+1)
	} else {
		groups, err = e.readGroup(ctx, c, in.Model, domain, plan, in.Offset, limit+1)
	}
	if err != nil {
		return res, err
	}
	res.HasMore = len(groups) > limit
	if res.HasMore {
		groups = groups[:limit]
		next := in.Offset + limit
		res.NextOffset = &next
	}
	if groups == nil {
		groups = []aggregateGroup{}
	}
	res.Model, res.Groups, res.Count = in.Model, groups, len(groups)
	res.GroupBy, res.Aggregates = nonNilStrings(plan.groupBy), []string{}
	for _, a := range plan.aggs {
		res.Aggregates = append(res.Aggregates, a.spec)
	}
	res.Offset, res.Limit = in.Offset, limit
	return res, nil
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// versioner is implemented by Odoo clients that know the server's major
// version (odoorpc.Client does).
type versioner interface {
	Major(ctx context.Context) (int, error)
}

// major is Odoo's major version, 0 when the client cannot tell (then the
// tools use what Odoo 16 to 18 offer, which 19.0 still serves).
func (e *env) major(ctx context.Context) (int, error) {
	if v, ok := e.Odoo.(versioner); ok {
		return v.Major(ctx)
	}
	return 0, nil
}

// formattedReadGroup runs Odoo 19's formatted_read_group. Its groups carry
// __extra_domain, which leaves out the call's domain: it is added here.
func (e *env) formattedReadGroup(ctx context.Context, c Caller, model string, domain Domain, p aggPlan, offset, limit int) ([]aggregateGroup, error) {
	aggs := []string{}
	for _, a := range p.aggs {
		if a.spec != "__count" {
			aggs = append(aggs, a.spec)
		}
	}
	aggs = append(aggs, "__count") // every group says how many records it has
	kwargs := map[string]any{"domain": domain, "groupby": nonNilStrings(p.groupBy), "aggregates": aggs, "limit": limit}
	if len(p.having) > 0 {
		kwargs["having"] = p.having
	}
	if offset > 0 {
		kwargs["offset"] = offset
	}
	if len(p.order) > 0 {
		terms := make([]string, len(p.order))
		for i, o := range p.order {
			terms[i] = strings.TrimSpace(o.term + " " + o.dir)
		}
		kwargs["order"] = strings.Join(terms, ", ")
	}
	raw, err := e.execute(ctx, c, odoorpc.Call{Model: model, Method: "formatted_read_group", Kwargs: kwargs})
	if err != nil {
		return nil, err
	}
	rows, err := decodeRows(raw)
	if err != nil {
		return nil, fmt.Errorf("formatted_read_group: %w", err)
	}
	out := make([]aggregateGroup, 0, len(rows))
	for _, row := range rows {
		g := newGroup(p)
		for _, spec := range p.groupBy {
			g.Values[spec] = valueOf(row[spec], nil)
		}
		for _, a := range p.aggs {
			g.Aggregates[a.spec] = rawOf(row[a.spec])
		}
		g.Count = countOf(row["__count"])
		extra, _ := row["__extra_domain"].([]any)
		g.Domain = andDomains(domain, extra)
		out = append(out, g)
	}
	return out, nil
}

// readGroup runs read_group (Odoo 16 to 18), eagerly (lazy=False: every
// group-by at once, the count as __count). Aggregates get aliases so that
// two of one field do not collide, and the order names the aliases, the
// only aggregate names read_group orders by. __domain includes the call's
// domain already.
func (e *env) readGroup(ctx context.Context, c Caller, model string, domain Domain, p aggPlan, offset, limit int) ([]aggregateGroup, error) {
	alias := map[string]string{"__count": "__count"}
	fields := []string{}
	for i, a := range p.aggs {
		if a.spec == "__count" {
			continue
		}
		name := fmt.Sprintf("__agg%d", i)
		alias[a.spec] = name
		fields = append(fields, fmt.Sprintf("%s:%s(%s)", name, a.fn, a.field))
	}
	if len(fields) == 0 {
		fields = append(fields, "__count")
	}
	kwargs := map[string]any{"domain": domain, "fields": fields, "groupby": nonNilStrings(p.groupBy), "lazy": false, "limit": limit}
	if offset > 0 {
		kwargs["offset"] = offset
	}
	if len(p.order) > 0 {
		terms := make([]string, len(p.order))
		for i, o := range p.order {
			t := o.term
			if a, ok := alias[t]; ok {
				t = a
			}
			terms[i] = strings.TrimSpace(t + " " + o.dir)
		}
		kwargs["orderby"] = strings.Join(terms, ", ")
	}
	raw, err := e.execute(ctx, c, odoorpc.Call{Model: model, Method: "read_group", Kwargs: kwargs})
	if err != nil {
		return nil, err
	}
	rows, err := decodeRows(raw)
	if err != nil {
		return nil, fmt.Errorf("read_group: %w", err)
	}
	out := make([]aggregateGroup, 0, len(rows))
	for _, row := range rows {
		g := newGroup(p)
		ranges, _ := row["__range"].(map[string]any)
		for _, spec := range p.groupBy {
			g.Values[spec] = valueOf(row[spec], ranges[spec])
		}
		for _, a := range p.aggs {
			g.Aggregates[a.spec] = rawOf(row[alias[a.spec]])
		}
		g.Count = countOf(row["__count"])
		g.Domain, _ = row["__domain"].([]any)
		if g.Domain == nil {
			g.Domain = []any{}
		}
		out = append(out, g)
	}
	return out, nil
}

func newGroup(p aggPlan) aggregateGroup {
	return aggregateGroup{Values: make(map[string]groupValue, len(p.groupBy)), Aggregates: make(map[string]json.RawMessage, len(p.aggs))}
}

func decodeRows(raw json.RawMessage) ([]map[string]any, error) {
	var rows []map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&rows); err != nil {
		return nil, fmt.Errorf("%w: groups are not a list of objects: %v", odoorpc.ErrProtocol, err)
	}
	return rows, nil
}

// valueOf reads one group-by value: [id, "name"] for records (19 and 18),
// ["2026-11-01 00:00:00", "November 2026"] for dates on 19; on 18 a date
// group is its label, with its range in __range.
func valueOf(v any, rng any) groupValue {
	if l, ok := v.([]any); ok && len(l) == 2 {
		if name, ok := l[1].(string); ok {
			return groupValue{Value: rawOf(l[0]), DisplayName: &name}
		}
	}
	if r, ok := rng.(map[string]any); ok {
		if label, ok := v.(string); ok {
			return groupValue{Value: rawOf(r["from"]), DisplayName: &label}
		}
	}
	return groupValue{Value: rawOf(v)}
}

func rawOf(v any) json.RawMessage {
	if v == nil {
		return json.RawMessage("false")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage("null")
	}
	return b
}

func countOf(v any) int64 {
	if n, ok := v.(json.Number); ok {
		i, _ := n.Int64()
		return i
	}
	return 0
}

// andDomains combines domains as Odoo's expression.AND does: each one
// normalized (implicit "&" made explicit), empty ones left out.
func andDomains(domains ...[]any) []any {
	var out []any
	n := 0
	for _, d := range domains {
		if len(d) == 0 {
			continue
		}
		out = append(out, normalizeDomain(d)...)
		n++
	}
	if n == 0 {
		return []any{}
	}
	prefix := make([]any, 0, n-1+len(out))
	for range n - 1 {
		prefix = append(prefix, "&")
	}
	return append(prefix, out...)
}

// normalizeDomain adds the "&" Odoo implies between top-level terms.
func normalizeDomain(d []any) []any {
	out := make([]any, 0, len(d)+2)
	expected := 1
	for _, t := range d {
		if expected == 0 {
			out = append([]any{"&"}, out...)
			expected = 1
		}
		switch t {
		case "&", "|":
			expected++
		case "!":
		default:
			expected--
		}
		out = append(out, t)
	}
	return out
}

// appendJSON writes the result without encoding/json's HTML escaping, so
// that the domains read ["date_order", ">=", ...] rather than "\u003e=".
func (r aggregatorResult) appendJSON(dst []byte) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	type plain aggregatorResult // no appendJSON: encoding/json's own
	if err := enc.Encode(plain(r)); err != nil {
		return append(dst, "null"...)
	}
	return append(dst, bytes.TrimRight(b.Bytes(), "\n")...)
}
