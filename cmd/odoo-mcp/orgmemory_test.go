package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOrgMemoryFileIsChecked(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.txt", "  Acme sells bicycles.\nNever delete invoices.\n")
	for _, tc := range []struct {
		name, file, want string
	}{
		{"missing", filepath.Join(dir, "nope.txt"), "no such file"},
		{"not UTF-8", write("bin.txt", "\xff\xfe\x00"), "not UTF-8"},
		{"too long", write("long.txt", strings.Repeat("x", maxOrgMemory+1)), "at most 50000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseServeFlags([]string{"--demo", "--org-memory-file", tc.file}, io.Discard)
			if err == nil || !strings.Contains(err.Error(), "--org-memory-file") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one naming --org-memory-file and %q", err, tc.want)
			}
		})
	}
	cfg, err := parseServeFlags([]string{"--demo", "--org-memory-file", good}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if text, _ := cfg.orgMemory(); text != "Acme sells bicycles.\nNever delete invoices." {
		t.Errorf("org memory %q", text)
	}
	if _, err := parseServeFlags([]string{"--demo", "--demo-letta", "--letta-url", "http://localhost:8283"}, io.Discard); err == nil || !strings.Contains(err.Error(), "--demo-letta") {
		t.Errorf("--demo-letta with a Letta URL: %v", err)
	}
}
