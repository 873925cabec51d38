package golden

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	for _, tc := range []struct {
		name, want, got string
		diffs           []string
	}{
		{"equal, keys in another order", `{"a":1,"b":[1,2]}`, `{"b":[1,2],"a":1}`, nil},
		{"a changed value", `{"a":{"b":1}}`, `{"a":{"b":2}}`, []string{"~ /a/b: 1 → 2"}},
		{"a key gone and one new", `{"a":1,"b":2}`, `{"b":2,"c":3}`, []string{"- /a: 1", "+ /c: 3"}},
		{"array elements", `{"r":["x","y"]}`, `{"r":["x","z","w"]}`, []string{`~ /r/1: "y" → "z"`, `+ /r/2: "w"`}},
		{"a type change", `{"a":{"b":1}}`, `{"a":[1]}`, []string{`~ /a: {"b":1} → [1]`}},
		{"pointer escapes", `{"a/b":1,"c~d":1}`, `{}`, []string{"- /a~1b: 1", "- /c~0d: 1"}},
		{"the root", `1`, `2`, []string{"~ /: 1 → 2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w, g any
			if json.Unmarshal([]byte(tc.want), &w) != nil || json.Unmarshal([]byte(tc.got), &g) != nil {
				t.Fatal("bad test JSON")
			}
			if got := Diff(w, g); strings.Join(got, "\n") != strings.Join(tc.diffs, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.diffs, "\n"))
			}
		})
	}
}

func TestJSON(t *testing.T) {
	t.Setenv("UPDATE_TOOLSNAPS", "")
	t.Setenv("UPDATE_GOLDEN", "")
	t.Setenv("GITHUB_ACTIONS", "")
	dir := t.TempDir()
	path := filepath.Join(dir, "snaps", "x.snap")
	v := map[string]any{"name": "x", "schema": map[string]any{"required": []string{"a"}}}

	t.Setenv("CI", "true")
	if err := JSON(path, v); err == nil || !strings.Contains(err.Error(), "does not exist") || !strings.Contains(err.Error(), "-update") {
		t.Errorf("a missing snapshot in CI: %v, want an error saying how to make it", err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("the snapshot was written in CI")
	}

	t.Setenv("CI", "")
	if err := JSON(path, v); err != nil {
		t.Fatalf("a missing snapshot outside CI: %v, want it written", err)
	}
	b, _ := os.ReadFile(path)
	if want := "{\n  \"name\": \"x\",\n  \"schema\": {\n    \"required\": [\n      \"a\"\n    ]\n  }\n}\n"; string(b) != want {
		t.Errorf("wrote %q, want %q", b, want)
	}
	if err := JSON(path, v); err != nil {
		t.Errorf("the same value: %v", err)
	}

	v["schema"] = map[string]any{"required": []string{"a", "b"}}
	err := JSON(path, v)
	if err == nil || !strings.Contains(err.Error(), `+ /schema/required/1: "b"`) || !strings.Contains(err.Error(), "-update") {
		t.Errorf("a changed value: %v, want the path that changed", err)
	}
	t.Setenv("UPDATE_TOOLSNAPS", "true")
	if err := JSON(path, v); err != nil {
		t.Fatal(err)
	}
	t.Setenv("UPDATE_TOOLSNAPS", "")
	if err := JSON(path, v); err != nil {
		t.Errorf("after the update: %v", err)
	}
}

func TestText(t *testing.T) {
	t.Setenv("UPDATE_TOOLSNAPS", "")
	t.Setenv("UPDATE_GOLDEN", "")
	t.Setenv("CI", "")
	path := filepath.Join(t.TempDir(), "x.txt")
	if err := Text(path, []byte("a\nb\n")); err != nil {
		t.Fatal(err)
	}
	if err := Text(path, []byte("a\nb\n")); err != nil {
		t.Errorf("the same text: %v", err)
	}
	if err := Text(path, []byte("a\nc\n")); err == nil || !strings.Contains(err.Error(), "at line 2:\n- \"b\"\n+ \"c\"") {
		t.Errorf("a changed line: %v", err)
	}
}
