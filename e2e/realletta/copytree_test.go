package realletta

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCopyTree(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "copy")
	os.MkdirAll(filepath.Join(src, "bin"), 0o700)
	os.WriteFile(filepath.Join(src, "bin", "postgres"), []byte("#!/bin/sh\n"), 0o700)
	os.Symlink("postgres", filepath.Join(src, "bin", "postmaster"))
	if err := copyTree(src, dst); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dst, "bin", "postgres"))
	if err != nil || info.Mode().Perm() != 0o755 {
		t.Fatalf("copied file: %v %v, want mode 0755", info, err)
	}
	if target, err := os.Readlink(filepath.Join(dst, "bin", "postmaster")); err != nil || target != "postgres" {
		t.Fatalf("symlink: %q %v", target, err)
	}
}
