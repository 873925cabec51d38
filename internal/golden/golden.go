// Package golden checks test output against files committed beside the
// tests (tool-schema snapshots, recorded exchanges): a mismatch names what
// differs, path by path, and the files are refreshed on request only.
//
// Refresh with `go test ./pkg -update` or UPDATE_TOOLSNAPS=true (or
// UPDATE_GOLDEN=true). A missing file is written on a developer's machine,
// and is a failure in CI (CI=true or GITHUB_ACTIONS=true): a file must be
// committed with its test, not made up by the run that checks it.
package golden

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

var update = flag.Bool("update", false, "rewrite golden files and tool snapshots from the current output")

// Update reports whether golden files are to be rewritten.
func Update() bool {
	return *update || os.Getenv("UPDATE_TOOLSNAPS") == "true" || os.Getenv("UPDATE_GOLDEN") == "true"
}

// InCI reports a CI run, where a missing golden file is an error.
func InCI() bool { return os.Getenv("CI") == "true" || os.Getenv("GITHUB_ACTIONS") == "true" }

// refresh is how the error messages say to refresh a file.
const refresh = "run `go test <package> -update` (or UPDATE_TOOLSNAPS=true go test <package>), review the change and commit it"

// JSON checks v, marshalled as indented JSON with sorted keys, against the
// file at path. A difference is reported as the paths that differ.
func JSON(path string, v any) error {
	got, err := canonicalJSON(v)
	if err != nil {
		return fmt.Errorf("golden: %s: %w", path, err)
	}
	want, err := read(path, got)
	if err != nil || want == nil {
		return err
	}
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		return fmt.Errorf("golden: %s is not JSON (%v): %s", path, err, refresh)
	}
	_ = json.Unmarshal(got, &g) // canonicalJSON made it
	if diffs := Diff(w, g); len(diffs) > 0 {
		return fmt.Errorf("%s differs from the current output (- snapshot, + now):\n%s\nIf the change is deliberate, %s", path, strings.Join(diffs, "\n"), refresh)
	}
	return nil
}

// Text checks got against the file at path, byte for byte; a difference
// is reported as the first lines that differ.
func Text(path string, got []byte) error {
	want, err := read(path, got)
	if err != nil || want == nil {
		return err
	}
	return CompareText(path, want, got)
}

// CompareText compares two texts (name says what want is, for the
// message); a difference is reported as the first lines that differ, and
// how to refresh want.
func CompareText(name string, want, got []byte) error {
	if bytes.Equal(want, got) {
		return nil
	}
	wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	i := 0
	for i < len(wl) && i < len(gl) && wl[i] == gl[i] {
		i++
	}
	line := func(ls []string) string {
		if i < len(ls) {
			return strconv.Quote(ls[i])
		}
		return "(end of file)"
	}
	return fmt.Errorf("%s differs from the current output at line %d:\n- %s\n+ %s\nIf the change is deliberate, %s", name, i+1, line(wl), line(gl), refresh)
}

// read returns the golden file, or nil after writing it (on -update, or
// when it is missing outside CI).
func read(path string, got []byte) ([]byte, error) {
	if Update() {
		return nil, write(path, got)
	}
	want, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if InCI() {
			return nil, fmt.Errorf("%s does not exist: golden files are written by a developer, not in CI; %s", path, refresh)
		}
		return nil, write(path, got)
	}
	if err != nil {
		return nil, fmt.Errorf("golden: %w", err)
	}
	return want, nil
}

func write(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("golden: %w", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("golden: %w", err)
	}
	return nil
}

// canonicalJSON marshals v indented, with the keys of every object sorted
// (a round trip through any does both), ending in a newline.
func canonicalJSON(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var x any
	if err := json.Unmarshal(b, &x); err != nil {
		return nil, err
	}
	out, err := json.MarshalIndent(x, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// Diff compares two decoded JSON values and returns one line per
// difference, by JSON pointer: "- /a/b: 1" (only in want), "+ /a/c: 2"
// (only in got), "~ /a/d: 1 → 2" (changed). Arrays compare element by
// element, in order.
func Diff(want, got any) []string {
	var out []string
	diff("", want, got, &out)
	return out
}

func diff(path string, want, got any, out *[]string) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			break
		}
		keys := make([]string, 0, len(w)+len(g))
		for k := range w {
			keys = append(keys, k)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := path + "/" + escape(k)
			wv, inW := w[k]
			gv, inG := g[k]
			switch {
			case !inG:
				*out = append(*out, "- "+p+": "+short(wv))
			case !inW:
				*out = append(*out, "+ "+p+": "+short(gv))
			default:
				diff(p, wv, gv, out)
			}
		}
		return
	case []any:
		g, ok := got.([]any)
		if !ok {
			break
		}
		for i := range max(len(w), len(g)) {
			p := path + "/" + strconv.Itoa(i)
			switch {
			case i >= len(g):
				*out = append(*out, "- "+p+": "+short(w[i]))
			case i >= len(w):
				*out = append(*out, "+ "+p+": "+short(g[i]))
			default:
				diff(p, w[i], g[i], out)
			}
		}
		return
	}
	if short(want) != short(got) {
		if path == "" {
			path = "/"
		}
		*out = append(*out, "~ "+path+": "+short(want)+" → "+short(got))
	}
}

// escape writes a key as a JSON pointer token.
func escape(k string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(k)
}

// short renders a value on one line, at most 200 bytes.
func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}
