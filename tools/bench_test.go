package tools

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

// searchRead is Odoo's answer to the load benchmark's retriever call
// (limit 5, so 6 records are asked for).
const searchRead = `[{"id":34,"name":"Acme Corporation","email":"info@acme.example.com","country_id":[128,"Liechtenstein"]},{"id":7,"name":"Azure Interior","email":"azure.Interior24@example.com","country_id":[233,"United States"]},{"id":35,"name":"Bergmann Logistik GmbH","email":"kontakt@bergmann.example.de","country_id":[57,"Germany"]},{"id":36,"name":"Chalet Mont-Blanc SA","email":"info@chalet-mb.example.ch","country_id":[43,"Switzerland"]},{"id":12,"name":"Deco Addict","email":"deco_addict@example.com","country_id":[233,"United States"]},{"id":10,"name":"Gemini Furniture","email":"gemini.furniture39@example.com","country_id":[233,"United States"]}]`

type cannedOdoo struct{ raw json.RawMessage }

func (c cannedOdoo) Execute(context.Context, odoorpc.Credentials, odoorpc.Call) (json.RawMessage, error) {
	return c.raw, nil
}

var benchArgs = map[string]string{
	"simple":   `{"model":"res.partner","domain":[["is_company","=",true]],"fields":["name","email","country_id"],"limit":5}`,
	"or-in":    `{"model":"res.partner","domain":["|",["name","ilike","acme"],"&",["id","in",[7,12,34]],["country_id.code","=","BE"]],"fields":["name"],"limit":5,"offset":0,"order":"name asc, id desc"}`,
	"string":   `{"model":"res.partner","domain":"[[\"is_company\", \"=\", true]]","fields":[],"limit":0,"offset":0,"order":""}`,
	"sub-any":  `{"model":"sale.order","domain":[["partner_id","any",[["is_company","=",true],["country_id.code","in",["BE","FR"]]]]],"fields":["name"],"limit":10}`,
	"no-field": `{"model":"res.partner"}`,
}

// BenchmarkDecodeArgs is argument decoding with domain validation.
func BenchmarkDecodeArgs(b *testing.B) {
	for _, name := range []string{"simple", "or-in", "string", "sub-any", "no-field"} {
		raw := json.RawMessage(benchArgs[name])
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := decodeArgs[retrieverArgs](raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkValidateDomain is the structural check alone.
func BenchmarkValidateDomain(b *testing.B) {
	var in retrieverArgs
	if err := json.Unmarshal([]byte(benchArgs["or-in"]), &in); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := validateDomain(in.Domain); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRetrieverResult is the retriever's result encoding: records
// split out of Odoo's answer, the result written as JSON and wrapped in a
// CallToolResult, and that result marshalled as the SDK does.
func BenchmarkRetrieverResult(b *testing.B) {
	next := 5
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			records, err := splitArray([]byte(searchRead))
			if err != nil {
				b.Fatal(err)
			}
			r := retrieverResult{Model: "res.partner", Records: records[:5], Count: 5, Limit: 5, HasMore: true,
				NextOffset: &next, Fields: []string{"name", "email", "country_id"}}
			if _, err := jsonResult(r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode+sdk", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			records, _ := splitArray([]byte(searchRead))
			r := retrieverResult{Model: "res.partner", Records: records[:5], Count: 5, Limit: 5, HasMore: true,
				NextOffset: &next, Fields: []string{"name", "email", "country_id"}}
			res, err := jsonResult(r)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := json.Marshal(res); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRetrieverHandler is the whole tool handler on a warm call:
// decoding, policy, the Odoo call (answered from memory) and the result.
func BenchmarkRetrieverHandler(b *testing.B) {
	e := newEnv(Deps{Odoo: cannedOdoo{json.RawMessage(searchRead)}, Caller: func(context.Context, *mcp.CallToolRequest) (Caller, error) {
		return Caller{DB: "odoo", UID: 2, Credentials: odoorpc.Credentials{UID: 2, Key: "k"}, Context: map[string]any{"lang": "en_US", "tz": "Europe/Brussels"}}, nil
	}})
	h := retriever().handler(e)
	req := &mcp.CallToolRequest{Params: &mcp.CallToolParamsRaw{Name: "odoo_record_retriever", Arguments: json.RawMessage(benchArgs["simple"])}}
	b.ReportAllocs()
	for b.Loop() {
		res, err := h(context.Background(), req)
		if err != nil || res.IsError {
			b.Fatal(res, err)
		}
	}
}
