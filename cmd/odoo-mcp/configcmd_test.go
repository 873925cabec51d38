package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// clearEnv empties every variable the commands read, so that a
// developer's environment does not leak into a test.
func clearEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "ODOO_") || strings.HasPrefix(k, "LETTA_") {
			t.Setenv(k, "")
		}
	}
}

const testKey = "0123456789abcdef0123456789abcdef01234567"

func TestConfigPrintsClientConfigurations(t *testing.T) {
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice@example.com:"+testKey))
	withCred := map[string]string{"ODOO_URL": "https://odoo.example.com", "ODOO_DB": "prod", "ODOO_LOGIN": "alice@example.com", "ODOO_API_KEY": testKey}
	for _, tc := range []struct {
		name  string
		args  []string
		env   map[string]string
		check func(t *testing.T, out any, text, notes string)
	}{
		{"claude-desktop runs odoo-mcp stdio with the environment's credential", []string{"claude-desktop"}, withCred,
			func(t *testing.T, out any, text, notes string) {
				srv := dig(t, out, "mcpServers", "odoo").(map[string]any)
				exe, _ := os.Executable()
				exe, _ = filepath.EvalSymlinks(exe)
				if srv["command"] != exe {
					t.Errorf("command %v, want this binary, %s", srv["command"], exe)
				}
				wantArgs(t, srv["args"], "stdio")
				wantEnv(t, srv["env"], map[string]string{"ODOO_URL": "https://odoo.example.com", "ODOO_DB": "prod", "ODOO_LOGIN": "alice@example.com", "ODOO_API_KEY": testKey})
				if !strings.Contains(notes, "comes from your environment") {
					t.Errorf("notes do not say where the key came from: %s", notes)
				}
			}},
		{"claude-desktop without a credential has placeholders", []string{"claude-desktop"}, nil,
			func(t *testing.T, out any, text, notes string) {
				wantEnv(t, dig(t, out, "mcpServers", "odoo", "env"), map[string]string{"ODOO_URL": phURL, "ODOO_DB": phDB, "ODOO_LOGIN": phLogin, "ODOO_API_KEY": phKey})
				for _, w := range []string{phKey, phURL, "New API Key"} {
					if !strings.Contains(notes, w) {
						t.Errorf("notes lack %q: %s", w, notes)
					}
				}
			}},
		{"claude-desktop carries the stdio settings given", []string{"claude-desktop", "--deny-models", "res.users", "--name", "odoo-prod"},
			map[string]string{"ODOO_URL": "https://odoo.example.com", "ODOO_DB": "prod", "ODOO_MCP_READ_ONLY": "true", "ODOO_MCP_LISTEN": "0.0.0.0:9000"},
			func(t *testing.T, out any, text, notes string) {
				env := dig(t, out, "mcpServers", "odoo-prod", "env").(map[string]any)
				wantEnv(t, env, map[string]string{"ODOO_MCP_READ_ONLY": "true", "ODOO_MCP_DENY_MODELS": "res.users"})
				if _, ok := env["ODOO_MCP_LISTEN"]; ok {
					t.Errorf("a serve-only setting in a stdio configuration: %v", env)
				}
			}},
		{"claude-desktop --demo needs no credential", []string{"claude-desktop", "--demo"}, nil,
			func(t *testing.T, out any, text, notes string) {
				wantEnv(t, dig(t, out, "mcpServers", "odoo", "env"), map[string]string{"ODOO_MCP_DEMO": "true"})
				if strings.Contains(text, phKey) || strings.Contains(text, phURL) {
					t.Errorf("placeholders in a demo configuration: %s", text)
				}
			}},
		{"claude-desktop over HTTP goes through mcp-remote", []string{"claude-desktop", "--transport", "http"}, withCred,
			func(t *testing.T, out any, text, notes string) {
				srv := dig(t, out, "mcpServers", "odoo").(map[string]any)
				wantArgs(t, srv["args"], "-y", "mcp-remote", "http://127.0.0.1:8808/mcp", "--header", "Authorization:${ODOO_MCP_AUTHORIZATION}")
				wantEnv(t, srv["env"], map[string]string{"ODOO_MCP_AUTHORIZATION": basic})
			}},
		{"mcp-remote over plain HTTP to another host", []string{"claude-desktop", "--transport", "http", "--public-url", "http://odoo-mcp.lan:8808"}, withCred,
			func(t *testing.T, out any, text, notes string) {
				args := dig(t, out, "mcpServers", "odoo", "args").([]any)
				if args[len(args)-1] != "--allow-http" || !strings.Contains(notes, "plain HTTP") {
					t.Errorf("args %v, notes %s", args, notes)
				}
			}},
		{"cursor takes the URL and header of the public URL", []string{"cursor"}, merge(withCred, map[string]string{"ODOO_MCP_PUBLIC_URL": "https://odoo-mcp.example.com/"}),
			func(t *testing.T, out any, text, notes string) {
				srv := dig(t, out, "mcpServers", "odoo").(map[string]any)
				if srv["url"] != "https://odoo-mcp.example.com/mcp" {
					t.Errorf("url %v", srv["url"])
				}
				wantEnv(t, srv["headers"], map[string]string{"Authorization": basic})
			}},
		{"cursor with the key alone sends Bearer", []string{"cursor", "--listen", "0.0.0.0:9000"}, map[string]string{"ODOO_API_KEY": testKey},
			func(t *testing.T, out any, text, notes string) {
				if u := dig(t, out, "mcpServers", "odoo", "url"); u != "http://127.0.0.1:9000/mcp" {
					t.Errorf("url %v", u)
				}
				wantEnv(t, dig(t, out, "mcpServers", "odoo", "headers"), map[string]string{"Authorization": "Bearer " + testKey})
				if !strings.Contains(notes, "Odoo 19") {
					t.Errorf("notes: %s", notes)
				}
			}},
		{"cursor without a credential", []string{"cursor"}, nil,
			func(t *testing.T, out any, text, notes string) {
				wantEnv(t, dig(t, out, "mcpServers", "odoo", "headers"), map[string]string{"Authorization": phHeader})
				if !strings.Contains(notes, "base64") {
					t.Errorf("notes: %s", notes)
				}
			}},
		{"letta registers the public URL", []string{"letta"}, merge(withCred, map[string]string{"ODOO_MCP_PUBLIC_URL": "https://odoo-mcp.example.com", "LETTA_BASE_URL": "http://letta:8283"}),
			func(t *testing.T, out any, text, notes string) {
				if dig(t, out, "server_name") != "odoo" || dig(t, out, "config", "server_url") != "https://odoo-mcp.example.com/mcp" ||
					dig(t, out, "config", "mcp_server_type") != "streamable_http" {
					t.Errorf("%s", text)
				}
				wantEnv(t, dig(t, out, "config", "custom_headers"), map[string]string{"Authorization": basic})
				if !strings.Contains(notes, "http://letta:8283/v1/mcp-servers/") || strings.Contains(notes, "0.16.7 and later will refuse") {
					t.Errorf("notes: %s", notes)
				}
			}},
		{"letta warns about a private URL", []string{"letta", "--name", "odoo-mcp"}, map[string]string{"LETTA_BASE_URL": "http://letta:8283"},
			func(t *testing.T, out any, text, notes string) {
				for _, w := range []string{"ODOO_MCP_PUBLIC_URL is not set", "0.16.7 and later will refuse", "serve registers itself"} {
					if !strings.Contains(notes, w) {
						t.Errorf("notes lack %q: %s", w, notes)
					}
				}
			}},
		{"inspector over HTTP", []string{"inspector"}, withCred,
			func(t *testing.T, out any, text, notes string) {
				lines := strings.Split(strings.TrimSpace(text), "\n")
				if len(lines) != 2 || !strings.HasPrefix(lines[0], "npx "+inspectorPackage+" --cli http://127.0.0.1:8808/mcp --transport http --header \"Authorization: Basic $(") ||
					!strings.Contains(lines[1], "--method tools/call --tool-name odoo_record_retriever") || strings.Contains(text, testKey) {
					t.Errorf("%s", text)
				}
			}},
		{"inspector over stdio", []string{"inspector", "--transport", "stdio"}, withCred,
			func(t *testing.T, out any, text, notes string) {
				for _, w := range []string{"-e ODOO_URL=https://odoo.example.com", `-e "ODOO_API_KEY=$ODOO_API_KEY"`, " -- ", " stdio\n"} {
					if !strings.Contains(text, w) {
						t.Errorf("lacks %q: %s", w, text)
					}
				}
				if strings.Contains(text, testKey) || !strings.Contains(notes, "read ODOO_LOGIN and ODOO_API_KEY from your environment") {
					t.Errorf("the key is in the commands, or the notes do not say where it comes from:\n%s\n%s", text, notes)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var stdout, stderr bytes.Buffer
			if code := runConfig(tc.args, &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			var out any
			if tc.args[0] != "inspector" {
				if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
					t.Fatalf("not JSON: %v\n%s", err, stdout.String())
				}
			}
			tc.check(t, out, stdout.String(), stderr.String())
			if tc.env["ODOO_API_KEY"] == "" && strings.Contains(stdout.String()+stderr.String(), testKey) {
				t.Error("a key that was not in the environment is in the output")
			}
		})
	}
}

func TestConfigUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "which client"},
		{[]string{"vscode"}, `unknown client "vscode"`},
		{[]string{"letta", "--transport", "stdio"}, "letta takes http"},
		{[]string{"cursor", "--transport", "sse"}, "cursor takes http or stdio"},
		{[]string{"cursor", "extra"}, "unexpected arguments: extra"},
		{[]string{"cursor", "--name", ""}, "--name must not be empty"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			clearEnv(t)
			var stdout, stderr bytes.Buffer
			if code := runConfig(tc.args, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), tc.want) || stdout.Len() != 0 {
				t.Errorf("exit %d, stdout %q, stderr %s", code, stdout.String(), stderr.String())
			}
		})
	}
	// The client may follow the flags.
	var stdout, stderr bytes.Buffer
	if code := runConfig([]string{"--name", "x", "cursor"}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), `"x"`) {
		t.Errorf("flags first: %d %s %s", code, stdout.String(), stderr.String())
	}
}

// Every flag the commands read has an environment variable in its usage,
// which config and the README rely on.
func TestConfigEveryServeFlagNamesItsVariable(t *testing.T) {
	_, f := newServeFlags("serve")
	f.fs.VisitAll(func(fl *flag.Flag) {
		if flagEnv(fl) == "" {
			t.Errorf("flag --%s has no (env ...) in its usage", fl.Name)
		}
	})
}

func dig(t *testing.T, v any, path ...string) any {
	t.Helper()
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("no %q in %v", p, v)
		}
		v = m[p]
	}
	return v
}

func wantArgs(t *testing.T, v any, want ...string) {
	t.Helper()
	got, _ := v.([]any)
	if len(got) != len(want) {
		t.Errorf("args %v, want %v", got, want)
		return
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("args %v, want %v", got, want)
			return
		}
	}
}

func wantEnv(t *testing.T, v any, want map[string]string) {
	t.Helper()
	got, _ := v.(map[string]any)
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %v, want %q (all: %v)", k, got[k], w, got)
		}
	}
}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// inspectorArgv runs each command `config inspector` printed through a
// real shell, with an npx on PATH that writes its arguments back: the
// argument vectors the Inspector would get, with env in the environment.
func inspectorArgv(t *testing.T, text string, env []string) [][]string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "npx"), []byte("#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	var argvs [][]string
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		cmd := exec.Command("sh", "-c", line)
		cmd.Env = append([]string{"PATH=" + dir + ":" + os.Getenv("PATH")}, env...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		argvs = append(argvs, strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00"))
	}
	return argvs
}

// The commands of `config inspector` put the Inspector's options before
// "--" and only odoo-mcp's command after it, and take the credential from
// the environment, where the shell finds it when they run.
func TestConfigInspectorArgv(t *testing.T) {
	const login = "alice@example.com"
	for _, tc := range []struct {
		name      string
		transport string
		env       map[string]string
		check     func(t *testing.T, argv []string)
	}{
		{"stdio", "stdio", map[string]string{"ODOO_URL": "https://odoo.example.com", "ODOO_DB": "prod", "ODOO_LOGIN": login, "ODOO_API_KEY": testKey, "ODOO_MCP_READ_ONLY": "true"},
			func(t *testing.T, argv []string) {
				dash := slices.Index(argv, "--")
				if dash < 0 || !slices.Equal(argv[dash+1:], []string{"/opt/odoo-mcp", "stdio"}) {
					t.Fatalf("after --: want only the server's command: %q", argv)
				}
				opts := argv[:dash]
				for _, want := range []string{"--method", "ODOO_URL=https://odoo.example.com", "ODOO_DB=prod", "ODOO_MCP_READ_ONLY=true", "ODOO_LOGIN=" + login, "ODOO_API_KEY=" + testKey} {
					if !slices.Contains(opts, want) {
						t.Errorf("the Inspector's options lack %q: %q", want, opts)
					}
				}
			}},
		{"stdio, the key alone", "stdio", map[string]string{"ODOO_URL": "https://odoo.example.com", "ODOO_DB": "prod", "ODOO_API_KEY": testKey},
			func(t *testing.T, argv []string) {
				if !slices.Contains(argv, "ODOO_API_KEY="+testKey) || slices.ContainsFunc(argv, func(a string) bool { return strings.HasPrefix(a, "ODOO_LOGIN=") }) {
					t.Errorf("%q", argv)
				}
			}},
		{"http", "http", map[string]string{"ODOO_LOGIN": login, "ODOO_API_KEY": testKey},
			func(t *testing.T, argv []string) {
				// 58 bytes of credential: base64 wraps such a line, and the
				// header must be one line.
				want := "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(login+":"+testKey))
				if i := slices.Index(argv, "--header"); i < 0 || argv[i+1] != want {
					t.Errorf("header: %q, want %q", argv, want)
				}
				if slices.Contains(argv, "--") {
					t.Errorf("no -- over HTTP: %q", argv)
				}
			}},
		{"http, the key alone", "http", map[string]string{"ODOO_API_KEY": testKey},
			func(t *testing.T, argv []string) {
				if i := slices.Index(argv, "--header"); i < 0 || argv[i+1] != "Authorization: Bearer "+testKey {
					t.Errorf("%q", argv)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			var env []string
			for k, v := range tc.env {
				t.Setenv(k, v)
				env = append(env, k+"="+v)
			}
			var stdout, stderr bytes.Buffer
			if code := runConfig([]string{"inspector", "--transport", tc.transport, "--command", "/opt/odoo-mcp"}, &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			if strings.Contains(stdout.String()+stderr.String(), testKey) {
				t.Errorf("the key is in the output:\n%s", stdout.String())
			}
			argvs := inspectorArgv(t, stdout.String(), env)
			if len(argvs) != 2 {
				t.Fatalf("%d commands, want 2", len(argvs))
			}
			for _, argv := range argvs {
				if len(argv) < 2 || argv[0] != inspectorPackage || argv[1] != "--cli" {
					t.Fatalf("%q", argv)
				}
				if dash := slices.Index(argv, "--"); dash >= 0 {
					for _, opt := range []string{"--method", "--tool-name", "--tool-args-json", "-e"} {
						if i := slices.Index(argv, opt); i > dash {
							t.Errorf("%s after --: the Inspector would pass it to odoo-mcp: %q", opt, argv)
						}
					}
				}
				tc.check(t, argv)
			}
		})
	}
}
