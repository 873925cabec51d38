package odoorpc

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
)

func fakeClient(t *testing.T, version string) (*Client, *fakeodoo.Server) {
	t.Helper()
	fake := fakeodoo.New(fakeodoo.Options{Version: version})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	c, err := New(Config{URL: srv.URL, DB: fake.DB(), Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c, fake
}

// TestModelDoc: Odoo 19's /doc-bearer/ description, its refusals as typed
// errors, and Odoo 18's absence of it.
func TestModelDoc(t *testing.T) {
	ctx := context.Background()
	c, _ := fakeClient(t, "19.0")
	admin := Credentials{UID: fakeodoo.AdminUID, Key: fakeodoo.AdminKey}
	raw, err := c.ModelDoc(ctx, admin, "res.partner")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Model   string                     `json:"model"`
		Methods map[string]json.RawMessage `json:"methods"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil || doc.Model != "res.partner" || doc.Methods["find_or_create"] == nil {
		t.Fatalf("description: %v %.200s", err, raw)
	}
	_, err = c.ModelDoc(ctx, Credentials{UID: fakeodoo.DemoUID, Key: fakeodoo.DemoKey}, "res.partner")
	var oe *Error
	if !errors.Is(err, ErrAccessError) || !errors.As(err, &oe) || oe.Message != "This page is only accessible to Technical Documentation users." {
		t.Errorf("demo: %v", err)
	}
	if _, err := c.ModelDoc(ctx, admin, "no.such.model"); !errors.Is(err, ErrUnknownModel) {
		t.Errorf("unknown model: %v", err)
	}
	if _, err := c.ModelDoc(ctx, Credentials{Key: "wrong"}, "res.partner"); !errors.Is(err, ErrAccessDenied) {
		t.Errorf("wrong key: %v", err)
	}
	c18, _ := fakeClient(t, "18.0")
	if _, err := c18.ModelDoc(ctx, admin, "res.partner"); !errors.Is(err, ErrNoModelDoc) {
		t.Errorf("18.0: %v", err)
	}
}

// TestArgNamesBindPositionalArgs: JSON-2 names positional arguments from
// ArgNames (a method description), the standard ORM names otherwise.
func TestArgNamesBindPositionalArgs(t *testing.T) {
	body, err := json2Body(Call{Model: "res.partner", Method: "find_or_create", Args: []any{"a@example.com", true}, ArgNames: []string{"email", "assert_valid_email"}})
	if err != nil || body["email"] != "a@example.com" || body["assert_valid_email"] != true {
		t.Errorf("named from ArgNames: %v %v", body, err)
	}
	if _, err := json2Body(Call{Method: "find_or_create", Args: []any{"a"}}); !errors.Is(err, ErrNamedArgumentsOnly) {
		t.Errorf("no names: %v", err)
	}
	body, err = json2Body(Call{Method: "default_get", Args: []any{[]any{"name"}}})
	if err != nil || body["fields"] == nil {
		t.Errorf("default_get on 19 binds fields: %v %v", body, err)
	}
	if _, err := json2Body(Call{Method: "x", Args: []any{1}, ArgNames: []string{"a"}, Kwargs: map[string]any{"a": 2}}); !errors.Is(err, ErrInvalidArguments) {
		t.Errorf("a parameter given twice: %v", err)
	}
}
