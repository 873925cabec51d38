package tools

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// FuzzDomain: any JSON is either refused with an *ArgumentError (through the
// argument decoder) or accepted; an accepted domain encodes and decodes
// again to the same domain, so nothing a caller sent is lost or altered.
func FuzzDomain(f *testing.F) {
	for _, seed := range []string{
		`[]`, `[["name","ilike","acme"]]`, `["|",["id","in",[1,2]],["name","=",false]]`,
		`["!",["active","=",true]]`, `[["country_id.code","=","BE"],["x","any",[["y","=",1]]]]`,
		`"[[\"id\",\"=\",1]]"`, `["|",["a","=",1]]`, `[["a","bogus",1]]`, `[["a","in",5]]`, `[1,2,3]`, `{"a":1}`, `"name = x"`, `null`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		args := append(append([]byte(`{"model":"res.partner","domain":`), data...), '}')
		in, err := decodeArgs[retrieverArgs](args)
		if err != nil {
			var ae *ArgumentError
			if !errors.As(err, &ae) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		again, err := json.Marshal(in.Domain)
		if err != nil {
			t.Fatalf("accepted domain does not encode: %v", err)
		}
		var back Domain
		if err := back.UnmarshalJSON(again); err != nil {
			t.Fatalf("accepted domain %s refused on the second pass: %v", again, err)
		}
		if len(in.Domain) > 0 && !reflect.DeepEqual(back, in.Domain) {
			t.Fatalf("round trip changed the domain: %v → %v", in.Domain, back)
		}
	})
}

// FuzzToolArguments decodes arbitrary argument objects for every tool: no
// panic, invalid input gets an *ArgumentError naming the problem, valid
// input survives a round trip.
func FuzzToolArguments(f *testing.F) {
	for _, seed := range []string{
		`{"model":"res.partner","fields":[{"field":"name","value":"x"}]}`,
		`{"model":"res.partner","records":[{"name":"A"},[{"field":"name","value":"B"}]]}`,
		`{"model":"res.partner","domain":[["id","=",1]],"values":{"phone":"1"},"limit":0}`,
		`{"model":"m","method":"f","record_ids":[1,2],"args":["[1]",{"x":1}],"kwargs":[{"name":"a","value":[[6,0,[1]]]}]}`,
		`{"model":"m","include_fields":false,"field_type_filter":["char"],"field_limit":-1}`,
		`{"limits":5}`, `[]`, `{"model":1}`, `{"record_ids":[-1]}`, `{"kwargs":[{"name":"a"}]}`,
		`{"model":"sale.order","group_by":["date_order:month","user_id"],"aggregates":["amount_total:sum","__count"],"having":[["amount_total:sum",">",1]],"order":"amount_total:sum desc"}`,
		`{"model":"m","context":{"company_id":2,"allowed_company_ids":[1,2],"lang":"fr_FR","tz":"Europe/Brussels"}}`,
		`{"model":"m","context":{"company":1}}`, `{"model":"m","context":"x"}`, `{"model":"m","context":{"allowed_company_ids":[0]}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecode[retrieverArgs](t, data)
		checkDecode[creatorArgs](t, data)
		checkDecode[updaterArgs](t, data)
		checkDecode[unlinkerArgs](t, data)
		checkDecode[executorArgs](t, data)
		checkDecode[inspectorArgs](t, data)
		checkDecode[aggregatorArgs](t, data)
		if in, err := decodeArgs[aggregatorArgs](data); err == nil {
			// planning accepted arguments fails only with an ArgumentError
			if _, err := planAggregate(in); err != nil {
				var ae *ArgumentError
				if !errors.As(err, &ae) || ae.Msg == "" {
					t.Fatalf("planAggregate: untyped error %T: %v", err, err)
				}
			}
		}
	})
}

func checkDecode[T any](t *testing.T, data []byte) {
	t.Helper()
	v, err := decodeArgs[T](data)
	if err != nil {
		var ae *ArgumentError
		if !errors.As(err, &ae) || ae.Msg == "" {
			t.Fatalf("%T: untyped or empty error %T: %v", v, err, err)
		}
		return
	}
	// Re-decoding what was accepted must succeed: nothing half-parsed.
	if _, err := json.Marshal(v); err != nil {
		t.Fatalf("%T: accepted arguments do not encode: %v", v, err)
	}
}
