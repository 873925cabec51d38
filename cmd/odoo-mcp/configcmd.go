package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/odoo-mcp/odoo-mcp/internal/redact"
	"github.com/odoo-mcp/odoo-mcp/letta"
	"github.com/odoo-mcp/odoo-mcp/letta/threads"
)

// configClients are the clients `odoo-mcp config` writes for, with the
// transports each can use (the first is the default).
var configClients = map[string][]string{
	"claude-desktop": {"stdio", "http"},
	"cursor":         {"http", "stdio"},
	"letta":          {"http"},
	"inspector":      {"http", "stdio"},
}

// Placeholders for what the environment does not say.
const (
	phURL      = "YOUR_ODOO_URL"
	phDB       = "YOUR_ODOO_DB"
	phLogin    = "YOUR_LOGIN"
	phKey      = "YOUR_API_KEY"
	phHeader   = "Basic BASE64_OF_LOGIN:API_KEY"
	phLettaURL = "YOUR_LETTA_URL"
)

// inspectorPackage is the MCP Inspector release the README and tests use.
const inspectorPackage = "@modelcontextprotocol/inspector@2.12.0"

const configUsage = `Usage: odoo-mcp config CLIENT [flags]

Prints a ready-to-paste configuration that connects CLIENT to this odoo-mcp:
  claude-desktop   claude_desktop_config.json (default: runs odoo-mcp stdio;
                   --transport http: the HTTP server through mcp-remote)
  cursor           ~/.cursor/mcp.json (default: the HTTP server; --transport stdio)
  letta            the body that registers the HTTP server in Letta
  inspector        MCP Inspector commands (default: HTTP; --transport stdio)

It reads the same flags and environment as serve and stdio (ODOO_URL,
ODOO_DB, ODOO_MCP_LISTEN, ODOO_MCP_PUBLIC_URL, ...). The credential comes
from ODOO_LOGIN and ODOO_API_KEY when they are set, and is then written in
the configuration; otherwise placeholders are. The configuration goes to
standard output, notes to standard error.

Flags:
`

// configFlags are the flags of serve that config reads: the stdio ones
// (written into a stdio configuration), and where the HTTP server is.
var configFlags = append([]string{"listen", "public-url", "letta-url"}, stdioFlags...)

type configCmd struct {
	client    string
	transport string
	name      string
	command   string

	cfg  *serveConfig
	fs   *flag.FlagSet // the serve flags config reads
	cred envCredential
	out  io.Writer
	note func(format string, args ...any)
}

// runConfig is `odoo-mcp config CLIENT`: 0 when a configuration was
// printed, 2 for bad usage or configuration.
func runConfig(args []string, stdout, stderr io.Writer) int {
	c := &configCmd{out: stdout, note: func(format string, a ...any) { fmt.Fprintf(stderr, "# "+format+"\n", a...) }}
	cfg, all := newServeFlags("serve")
	fs := subsetFlags("config", all.fs, configFlags)
	fs.SetOutput(stderr)
	fs.StringVar(&c.transport, "transport", "", "stdio or http (default: the client's usual one, see above)")
	fs.StringVar(&c.name, "name", "odoo", "name of the server in the client's configuration")
	fs.StringVar(&c.command, "command", "", "path of odoo-mcp in a stdio configuration (default: this binary's)")
	fs.Usage = func() {
		fmt.Fprint(stderr, configUsage)
		fs.PrintDefaults()
	}
	// The client may come before or after the flags.
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		c.client, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	rest := fs.Args()
	if c.client == "" && len(rest) > 0 {
		c.client, rest = rest[0], rest[1:]
	}
	var errs []error
	if len(all.errs) > 0 {
		errs = append(errs, all.errs...)
	}
	if len(rest) > 0 {
		errs = append(errs, fmt.Errorf("unexpected arguments: %s", strings.Join(rest, " ")))
	}
	transports, ok := configClients[c.client]
	switch {
	case c.client == "":
		errs = append(errs, errors.New("which client? claude-desktop, cursor, letta or inspector"))
	case !ok:
		errs = append(errs, fmt.Errorf("unknown client %q: use claude-desktop, cursor, letta or inspector", c.client))
	case c.transport == "":
		c.transport = transports[0]
	case !slices.Contains(transports, c.transport):
		errs = append(errs, fmt.Errorf("--transport %q: %s takes %s", c.transport, c.client, strings.Join(transports, " or ")))
	}
	if c.name == "" {
		errs = append(errs, errors.New("--name must not be empty"))
	}
	if len(errs) > 0 {
		fmt.Fprintf(stderr, "odoo-mcp config: %v\n\n", errors.Join(errs...))
		fs.Usage()
		return 2
	}
	// A configuration with a URL odoo-mcp would refuse would fail later,
	// in the client: say so now (without the usage, whose defaults show
	// the environment's values).
	for _, u := range []struct{ setting, value, example string }{
		{settingOdooURL, cfg.OdooURL, "https://odoo.example.com"},
		{settingPublicURL, cfg.PublicURL, "https://odoo-mcp.example.com"},
		{settingLettaURL, cfg.LettaURL, "http://localhost:8283"},
	} {
		if strings.TrimSpace(u.value) != "" {
			if err := checkURL(u.setting, u.value, u.example); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) > 0 {
		fmt.Fprintf(stderr, "odoo-mcp config: bad configuration:\n%v\n", errors.Join(errs...))
		return 2
	}
	c.cfg, c.fs, c.cred = cfg, fs, credentialFromEnv()

	var err error
	switch c.client + "/" + c.transport {
	case "claude-desktop/stdio", "cursor/stdio":
		err = c.printJSON(mcpServers{c.name: c.stdioServer()})
	case "claude-desktop/http":
		err = c.printJSON(mcpServers{c.name: c.mcpRemoteServer()})
	case "cursor/http":
		err = c.printJSON(mcpServers{c.name: serverEntry{URL: c.mcpURL(), Headers: map[string]string{"Authorization": c.header()}}})
	case "letta/http":
		err = c.printLetta()
	case "inspector/http", "inspector/stdio":
		err = c.printInspector()
	}
	if err != nil {
		fmt.Fprintf(stderr, "odoo-mcp config: %v\n", err)
		return 1
	}
	c.credentialNote()
	return 0
}

// mcpServers is the mcpServers object of Claude Desktop and Cursor.
type mcpServers map[string]serverEntry

func (m mcpServers) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		MCPServers map[string]serverEntry `json:"mcpServers"`
	}{m})
}

// serverEntry is one server: a command to start, or a URL.
type serverEntry struct {
	Command string            `json:"command,omitempty"`
	Args    []string          `json:"args,omitempty"`
	Env     map[string]string `json:"env,omitempty"`
	URL     string            `json:"url,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
}

func (c *configCmd) printJSON(v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(c.out, "%s\n", b)
	return err
}

// stdioServer runs this odoo-mcp with `stdio`, with the configuration
// that differs from the defaults in its environment.
func (c *configCmd) stdioServer() serverEntry {
	return serverEntry{Command: c.binary(), Args: []string{"stdio"}, Env: c.stdioEnv()}
}

// stdioEnv is the environment of a stdio configuration: the Odoo location
// and credential, and every stdio setting given by flag or environment.
func (c *configCmd) stdioEnv() map[string]string {
	env := map[string]string{}
	c.fs.VisitAll(func(fl *flag.Flag) {
		name := flagEnv(fl)
		if name == "" || !slices.Contains(stdioFlags, fl.Name) {
			return
		}
		if v, ok := os.LookupEnv(name); (ok && v != "") || c.flagSet(fl.Name) {
			env[name] = fl.Value.String()
		}
	})
	if !c.cfg.Demo {
		setDefault(env, "ODOO_URL", phURL)
		setDefault(env, "ODOO_DB", phDB)
	}
	switch {
	case c.cred.Set():
		if c.cred.Login != "" {
			env[envLogin] = c.cred.Login
		}
		env[envAPIKey] = c.cred.Key
	case !c.cfg.Demo:
		env[envLogin], env[envAPIKey] = phLogin, phKey
	}
	return env
}

func setDefault(m map[string]string, k, v string) {
	if m[k] == "" {
		m[k] = v
	}
}

func (c *configCmd) flagSet(name string) bool {
	set := false
	c.fs.Visit(func(fl *flag.Flag) { set = set || fl.Name == name })
	return set
}

// envOfFlag reads the environment variable a flag's usage names.
var envOfFlag = regexp.MustCompile(`\(env ([A-Z0-9_]+)\)$`)

// flagEnv is the environment variable of a flag registered by envFlags.
func flagEnv(fl *flag.Flag) string {
	if m := envOfFlag.FindStringSubmatch(fl.Usage); m != nil {
		return m[1]
	}
	return ""
}

// binary is the path a stdio configuration runs.
func (c *configCmd) binary() string {
	if c.command != "" {
		return c.command
	}
	exe, err := os.Executable()
	if err != nil {
		c.note("could not find this binary's path: replace odoo-mcp with the full path of odoo-mcp")
		return "odoo-mcp"
	}
	if p, err := filepath.EvalSymlinks(exe); err == nil {
		exe = p
	}
	if strings.Contains(exe, "go-build") {
		c.note("this odoo-mcp is a temporary `go run` build: install it (go install ./cmd/odoo-mcp) and pass its path with --command")
	}
	return exe
}

// mcpRemoteServer is the HTTP server through mcp-remote, for clients that
// only start commands. The header travels in an environment variable, as
// mcp-remote advises (arguments with spaces break on some systems).
func (c *configCmd) mcpRemoteServer() serverEntry {
	u := c.mcpURL()
	args := []string{"-y", "mcp-remote", u, "--header", "Authorization:${ODOO_MCP_AUTHORIZATION}"}
	if strings.HasPrefix(u, "http://") && !isLoopbackURL(u) {
		// mcp-remote refuses plain HTTP beyond this machine unless told.
		args = append(args, "--allow-http")
		c.note("%s is plain HTTP: the credential crosses the network in clear; serve odoo-mcp over HTTPS", u)
	}
	return serverEntry{Command: "npx", Args: args, Env: map[string]string{"ODOO_MCP_AUTHORIZATION": c.header()}}
}

// mcpURL is where clients reach /mcp: the public URL when there is one,
// else the listen address (0.0.0.0 read as 127.0.0.1).
func (c *configCmd) mcpURL() string {
	if c.cfg.PublicURL != "" {
		if u, err := threads.MCPURL(c.cfg.PublicURL); err == nil {
			return u
		}
		c.note("ODOO_MCP_PUBLIC_URL %q is not a usable URL: using the listen address", c.cfg.PublicURL)
	}
	if _, _, err := net.SplitHostPort(c.cfg.Listen); err != nil {
		c.note("ODOO_MCP_LISTEN %q is not host:port: using 127.0.0.1:8808", c.cfg.Listen)
	}
	return "http://" + loopbackListen(c.cfg.Listen) + "/mcp"
}

func isLoopbackURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	if u.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}

// header is the Authorization header of the HTTP configurations.
func (c *configCmd) header() string {
	if c.cred.Set() {
		return c.cred.Authorization()
	}
	return phHeader
}

// printLetta prints the body of Letta's MCP server registration (0.13+)
// and how to send it.
func (c *configCmd) printLetta() error {
	u := c.mcpURL()
	if c.cfg.lettaEnabled() && c.name == c.cfg.LettaMCPServerName {
		c.note("--name %s is the name serve registers itself under (LETTA_MCP_SERVER_NAME): serve would rewrite this registration; pick another name", c.name)
	}
	var reg struct {
		ServerName string `json:"server_name"`
		Config     struct {
			MCPServerType string            `json:"mcp_server_type"`
			ServerURL     string            `json:"server_url"`
			CustomHeaders map[string]string `json:"custom_headers"`
		} `json:"config"`
	}
	reg.ServerName = c.name
	reg.Config.MCPServerType, reg.Config.ServerURL = letta.MCPServerTypeStreamableHTTP, u
	reg.Config.CustomHeaders = map[string]string{"Authorization": c.header()}
	if err := c.printJSON(reg); err != nil {
		return err
	}
	base := c.cfg.LettaURL
	if base == "" {
		base = phLettaURL
	}
	c.note("register it: odoo-mcp config letta 2>/dev/null | curl -sS -X POST %s/v1/mcp-servers/ -H 'Content-Type: application/json' -d @-", strings.TrimRight(base, "/"))
	c.note("(add -H \"Authorization: Bearer $LETTA_API_KEY\" for Letta Cloud or a --secure Letta)")
	c.note("Letta 0.11/0.12: PUT %s/v1/tools/mcp/servers with {\"server_name\", \"type\": \"streamable_http\", \"server_url\", \"custom_headers\"}", strings.TrimRight(base, "/"))
	c.note("every Letta agent given these tools acts as this one Odoo user, and Letta stores the credential;")
	c.note("for one agent per chat thread with its own revocable token, run serve with LETTA_BASE_URL instead (see the README)")
	if c.cfg.PublicURL == "" {
		c.note("ODOO_MCP_PUBLIC_URL is not set: %s must be reachable from Letta (set ODOO_MCP_PUBLIC_URL to the address Letta uses)", u)
	}
	if reason, err := letta.MCPURLBlockReason(u); err == nil && reason != "" {
		c.note("Letta 0.16.7 and later will refuse %s (%s): give odoo-mcp a public name, or use Letta 0.16.6 or older", u, reason)
	}
	return nil
}

// printInspector prints MCP Inspector CLI commands: list the tools, and
// call the retriever. The Inspector's options come before "--" and the
// server's command after it (options after "--" would go to odoo-mcp).
// The credential is never written: the commands read ODOO_LOGIN and
// ODOO_API_KEY from the environment they run in.
func (c *configCmd) printInspector() error {
	var target, server []string
	if c.transport == "stdio" {
		// The Inspector starts the server with only HOME, PATH and a few
		// more of its own environment, plus what -e gives.
		env := c.stdioEnv()
		delete(env, envLogin)
		delete(env, envAPIKey)
		keys := make([]string, 0, len(env))
		for k := range env {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			target = append(target, "-e", shellQuote(k+"="+env[k]))
		}
		if c.cred.Set() || !c.cfg.Demo {
			if c.cred.Login != "" || !c.cred.Set() {
				target = append(target, "-e", `"`+envLogin+`=$`+envLogin+`"`)
			}
			target = append(target, "-e", `"`+envAPIKey+`=$`+envAPIKey+`"`)
		}
		server = []string{"--", shellQuote(c.binary()), "stdio"}
	} else {
		target = []string{shellQuote(c.mcpURL()), "--transport", "http", "--header", `"Authorization: ` + c.headerFromEnv() + `"`}
	}
	cmd := "npx " + inspectorPackage + " --cli " + strings.Join(target, " ")
	tail := ""
	if len(server) > 0 {
		tail = " " + strings.Join(server, " ")
	}
	fmt.Fprintf(c.out, "%s --method tools/list%s\n", cmd, tail)
	fmt.Fprintf(c.out, "%s --method tools/call --tool-name odoo_record_retriever --tool-args-json %s%s\n",
		cmd, shellQuote(`{"model":"res.partner","fields":["name"],"limit":5}`), tail)
	c.note("MCP Inspector needs Node 22; without --cli it opens its web UI")
	return nil
}

// headerFromEnv is a shell expression of the Authorization header built,
// when the command runs, from ODOO_LOGIN and ODOO_API_KEY (tr, not
// base64 -w0, to drop base64's line breaks on Linux and macOS alike).
func (c *configCmd) headerFromEnv() string {
	if c.cred.Set() && c.cred.Login == "" {
		return "Bearer $" + envAPIKey
	}
	return `Basic $(printf '%s:%s' "$` + envLogin + `" "$` + envAPIKey + `" | base64 | tr -d '\n')`
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@,+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// credentialNote says where the credential in the output came from.
func (c *configCmd) credentialNote() {
	switch {
	case c.client == "inspector" && c.transport == "stdio" && c.cfg.Demo && !c.cred.Set():
		c.note("the demo needs no credential: it runs as the demo administrator")
	case c.client == "inspector":
		c.note("these commands read %s and %s from your environment when they run: export them first (the key is not in this output)", envLogin, envAPIKey)
		if c.cred.Set() && c.cred.Login == "" {
			c.note("without ODOO_LOGIN the key is sent as Bearer, which only Odoo 19+ accepts")
		}
	case c.cred.Set():
		c.note("the Odoo credential (%s) comes from your environment and is written in this configuration: keep it private", c.cred.Describe())
		if c.cred.Login == "" {
			c.note("without ODOO_LOGIN the key is sent as Bearer, which only Odoo 19+ accepts")
		}
	case c.transport == "stdio" && c.cfg.Demo:
		c.note("the demo needs no credential: it runs as the demo administrator")
	case c.transport == "stdio":
		c.note("replace %s and %s with your Odoo login and an API key (Odoo: Preferences → Account Security → New API Key), or set ODOO_LOGIN and ODOO_API_KEY and run this again", phLogin, phKey)
	default:
		c.note("replace BASE64_OF_LOGIN:API_KEY with the output of: printf '%%s' 'login:api_key' | base64 -w0 (or set ODOO_LOGIN and ODOO_API_KEY and run this again); on Odoo 19+ 'Bearer <api_key>' works too")
	}
	if !c.cfg.Demo && c.transport == "stdio" {
		if shown := redact.URL(c.cfg.OdooURL); shown != c.cfg.OdooURL {
			// The stdio configuration needs the URL as it is to work.
			c.note("ODOO_URL (%s) holds a password and is written in this configuration: keep it private", shown)
		}
		if c.cfg.OdooURL == "" || c.cfg.OdooDB == "" {
			c.note("replace %s and %s (or set ODOO_URL and ODOO_DB and run this again)", phURL, phDB)
		}
	}
}
