package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	gomcp "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
)

func TestStdioFlags(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr string
		check   func(*serveConfig) bool
	}{
		{"environment", map[string]string{"ODOO_URL": "http://odoo:8069", "ODOO_DB": "prod", "ODOO_MCP_READ_ONLY": "true"}, nil, "",
			func(c *serveConfig) bool { return c.OdooURL == "http://odoo:8069" && c.OdooDB == "prod" && c.ReadOnly }},
		{"a flag beats its variable", map[string]string{"ODOO_URL": "http://odoo:8069", "ODOO_DB": "prod"}, []string{"--odoo-db", "test", "--max-limit", "50"}, "",
			func(c *serveConfig) bool { return c.OdooDB == "test" && c.MaxLimit == 50 }},
		{"serve's Letta settings do not concern stdio", map[string]string{"ODOO_URL": "http://odoo:8069", "ODOO_DB": "prod", "LETTA_BASE_URL": "http://letta:8283"}, nil, "", nil},
		{"the demo needs no Odoo", nil, []string{"--demo"}, "", func(c *serveConfig) bool { return c.Demo }},
		{"no Odoo", nil, nil, "ODOO_URL", nil},
		{"serve-only flags are not stdio's", map[string]string{"ODOO_URL": "http://odoo:8069", "ODOO_DB": "prod"}, []string{"--listen", ":1"}, "flag provided but not defined: -listen", nil},
		{"no arguments", map[string]string{"ODOO_URL": "http://odoo:8069", "ODOO_DB": "prod"}, []string{"extra"}, "unexpected arguments", nil},
		{"a bad variable", map[string]string{"ODOO_URL": "http://odoo:8069", "ODOO_DB": "prod", "ODOO_MCP_MAX_LIMIT": "lots"}, nil, "ODOO_MCP_MAX_LIMIT", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var errb bytes.Buffer
			c, err := parseStdioFlags(tc.args, &errb)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.check != nil && !tc.check(c) {
				t.Errorf("%+v", c)
			}
		})
	}
}

func TestStdioUsageAndExitCodes(t *testing.T) {
	clearEnv(t)
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"stdio", "-h"}, &out, &errb); code != 0 ||
		!strings.Contains(errb.String(), "-odoo-url") || strings.Contains(errb.String(), "-listen") || out.Len() != 0 {
		t.Errorf("-h: %d\n%s", code, errb.String())
	}
	errb.Reset()
	t.Setenv("ODOO_URL", "http://127.0.0.1:1")
	t.Setenv("ODOO_DB", "x")
	if code := run(context.Background(), []string{"stdio"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "ODOO_API_KEY") || out.Len() != 0 {
		t.Errorf("no credential: %d %s", code, errb.String())
	}
}

// A wrong ODOO_DB is named as such, with the databases Odoo lists, not
// blamed on ODOO_URL; it is bad configuration (exit code 2).
func TestStdioWrongDatabase(t *testing.T) {
	for _, tc := range []struct {
		version string
		cred    map[string]string
	}{
		{"18.0", map[string]string{"ODOO_LOGIN": fakeodoo.AdminLogin, "ODOO_API_KEY": fakeodoo.AdminKey}},
		{"19.0", map[string]string{"ODOO_LOGIN": fakeodoo.AdminLogin, "ODOO_API_KEY": fakeodoo.AdminKey}},
		{"19.0", map[string]string{"ODOO_API_KEY": fakeodoo.AdminKey}},
	} {
		t.Run(tc.version, func(t *testing.T) {
			odoo := httptest.NewServer(fakeodoo.New(fakeodoo.Options{Version: tc.version, DB: "doc"}))
			defer odoo.Close()
			clearEnv(t)
			t.Setenv("ODOO_URL", odoo.URL)
			t.Setenv("ODOO_DB", "nope")
			for k, v := range tc.cred {
				t.Setenv(k, v)
			}
			var out, errb bytes.Buffer
			code := runStdio(context.Background(), nil, strings.NewReader(""), &out, &errb)
			msg := errb.String()
			if code != 2 || !strings.Contains(msg, `the Odoo at `+odoo.URL+` has no database "nope"`) ||
				!strings.Contains(msg, `fix: set ODOO_DB to one of the databases this Odoo lists: "doc"`) ||
				strings.Contains(msg, "ODOO_URL") || strings.Contains(msg, "cannot reach") || out.Len() != 0 {
				t.Errorf("exit %d, want 2 naming the database and ODOO_DB:\n%s", code, msg)
			}
		})
	}
}

// Requests piped in and followed by end of input are all answered before
// stdio exits: a client may write its requests and close its end.
func TestStdioAnswersEveryRequestBeforeEOF(t *testing.T) {
	fake := fakeodoo.New(fakeodoo.Options{Version: "18.0", DB: "doc"})
	odoo := httptest.NewServer(fake)
	defer odoo.Close()
	clearEnv(t)
	t.Setenv("ODOO_URL", odoo.URL)
	t.Setenv("ODOO_DB", "doc")
	t.Setenv("ODOO_LOGIN", fakeodoo.AdminLogin)
	t.Setenv("ODOO_API_KEY", fakeodoo.AdminKey)
	// Slow answers from Odoo keep the calls in flight when the input ends.
	fake.SetLatency(20 * time.Millisecond)

	const calls = 10
	var in strings.Builder
	in.WriteString(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"pipe","version":"0"}}}` + "\n")
	in.WriteString(`{"jsonrpc":"2.0","method":"notifications/initialized"}` + "\n")
	for i := 1; i <= calls; i++ {
		fmt.Fprintf(&in, `{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"odoo_record_retriever","arguments":{"model":"res.partner","fields":["name"],"limit":1}}}`+"\n", i)
	}
	in.WriteString(`[{"jsonrpc":"2.0","id":"b1","method":"ping"},{"jsonrpc":"2.0","id":"b2","method":"ping"}]` + "\n")
	in.WriteString(`{"jsonrpc":"2.0","id":"list","method":"tools/list"}`) // the last line without its newline

	// The input as one block, with its last bytes and the end together,
	// and a byte at a time (lines cut anywhere).
	for name, reader := range map[string]func(string) io.Reader{
		"whole":          func(s string) io.Reader { return strings.NewReader(s) },
		"data with EOF":  func(s string) io.Reader { return iotest.DataErrReader(strings.NewReader(s)) },
		"a byte at once": func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) },
	} {
		t.Run(name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := runStdio(context.Background(), []string{"--log-level", "error", "--odoo-timeout", "1s"}, reader(in.String()), &out, &errb); code != 0 {
				t.Fatalf("exit %d:\n%s", code, errb.String())
			}
			checkAnswers(t, out.String(), calls)
		})
	}
}

// checkAnswers checks that stdio's output answers initialize, the calls,
// the batch and tools/list.
func checkAnswers(t *testing.T, out string, calls int) {
	t.Helper()
	answered := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		type answer struct {
			ID     json.RawMessage `json:"id"`
			Result json.RawMessage `json:"result"`
		}
		var batch []answer
		if json.Unmarshal([]byte(line), &batch) != nil {
			var msg answer
			json.Unmarshal([]byte(line), &msg)
			batch = []answer{msg}
		}
		for _, msg := range batch {
			if msg.Result == nil {
				t.Errorf("not an answer: %s", line)
				continue
			}
			answered[string(msg.ID)] = true
		}
	}
	for _, id := range append([]string{"0", `"list"`, `"b1"`, `"b2"`}, func() (ids []string) {
		for i := 1; i <= calls; i++ {
			ids = append(ids, fmt.Sprint(i))
		}
		return ids
	}()...) {
		if !answered[id] {
			t.Errorf("request %s was not answered", id)
		}
	}
	if t.Failed() {
		t.Logf("%d answers of %d:\n%s", len(answered), calls+4, out)
	}
}

// The bookkeeping of the stdio transport: an answer written before its
// request's line ends here, an answer to a request never noted (a
// message spread over lines), and batches.
func TestPendingRequests(t *testing.T) {
	for _, tc := range []struct {
		name  string
		steps []string // "r:<line>" read, "w:<line>" written
		unans int
	}{
		{"answered", []string{`r:{"id":1,"method":"ping"}`, `w:{"id":1,"result":{}}`}, 0},
		{"answer before the newline", []string{`w:{"id":1,"result":{}}`, `r:{"id":1,"method":"ping"}`}, 0},
		{"unanswered", []string{`r:{"id":1,"method":"ping"}`, `r:{"id":"a","method":"ping"}`, `w:{"id":"a","result":{}}`}, 1},
		{"1 and 1.0 are one id", []string{`r:{"id":1.0,"method":"ping"}`, `w:{"id":1,"result":{}}`}, 0},
		{"notifications wait for nothing", []string{`r:{"method":"notifications/initialized"}`, `r:{"id":null,"method":"x"}`}, 0},
		{"an answer to nothing noted", []string{`w:{"id":9,"error":{"code":-32600}}`}, 0},
		{"a batch", []string{`r:[{"id":1,"method":"ping"},{"id":2,"method":"ping"},{"method":"n"}]`, `w:[{"id":2,"result":{}}]`}, 1},
		{"not JSON", []string{`r:{"id":1,`, `r:garbage`}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			tr := drainTransport(strings.NewReader(""), nil, &out, time.Second).(*gomcp.IOTransport)
			r, w := tr.Reader.(*drainReader), tr.Writer.(*answerWriter)
			for _, s := range tc.steps {
				switch line := s[2:]; s[0] {
				case 'r':
					r.note([]byte(line + "\n"))
				case 'w':
					w.Write([]byte(line + "\n"))
				}
			}
			if got := r.p.unanswered(); got != tc.unans {
				t.Errorf("%d unanswered, want %d (%v)", got, tc.unans, r.p.ids)
			}
		})
	}
}
