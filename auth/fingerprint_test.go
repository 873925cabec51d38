package auth

import (
	"strings"
	"testing"

	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

func TestCredentialFingerprint(t *testing.T) {
	tk, err := NewTokens(testSigningKey, "db", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	other, err := NewTokens(testSigningKey+"-other", "db", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	id := func(db string, uid int64, key string) *Identity {
		return &Identity{DB: db, UID: uid, Credentials: odoorpc.Credentials{UID: uid, Key: key}}
	}
	base := tk.CredentialFingerprint(id("db", 2, "key-a"))
	if base == "" || base != tk.CredentialFingerprint(id("db", 2, "key-a")) {
		t.Fatal("not stable")
	}
	if strings.Contains(base, "key-a") {
		t.Fatal("the key shows through")
	}
	for name, fp := range map[string]string{
		"another key":         tk.CredentialFingerprint(id("db", 2, "key-b")),
		"another user":        tk.CredentialFingerprint(id("db", 3, "key-a")),
		"another database":    tk.CredentialFingerprint(id("db2", 2, "key-a")),
		"another signing key": other.CredentialFingerprint(id("db", 2, "key-a")),
	} {
		if fp == base {
			t.Errorf("%s gives the same fingerprint", name)
		}
	}
	if tk.CredentialFingerprint(nil) != "" {
		t.Error("nil identity")
	}
}
