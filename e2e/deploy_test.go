package e2e

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// No Docker engine runs where these tests run, so the container files are
// checked by reading them: the wiring of compose.yaml (services, ports,
// environment, health checks, pinned versions) and the Dockerfile's shape.

type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       any               `yaml:"build"`
	Profiles    []string          `yaml:"profiles"`
	Environment map[string]string `yaml:"environment"`
	Command     []string          `yaml:"command"`
	Ports       []string          `yaml:"ports"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck *struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
}

// composeVersion reads the compose file as Compose does with ODOO_VERSION
// set to version ("" for unset): the ${ODOO_VERSION:-default} references
// interpolated, and $$ read as $.
func composeVersion(t *testing.T, version string) composeFile {
	t.Helper()
	data, err := os.ReadFile("../compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ref := regexp.MustCompile(`\$\{ODOO_VERSION:-([0-9]+)\}`)
	text := ref.ReplaceAllStringFunc(string(data), func(m string) string {
		if version != "" {
			return version
		}
		return ref.FindStringSubmatch(m)[1]
	})
	text = strings.ReplaceAll(text, "$$", "$")
	var c composeFile
	if err := yaml.Unmarshal([]byte(text), &c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	return c
}

// TestComposeOdooVersions: one Odoo runs, 18 by default and 19 with
// ODOO_VERSION=19, never both; odoo-mcp waits for that one and talks to
// its database, which its init service creates.
func TestComposeOdooVersions(t *testing.T) {
	for _, tc := range []struct{ env, image, db string }{
		{"", "odoo:18.0", "odoo18"},
		{"19", "odoo:19.0", "odoo19"},
	} {
		c := composeVersion(t, tc.env)
		var odoos []string
		for name, s := range c.Services {
			if strings.HasPrefix(s.Image, "odoo:") {
				odoos = append(odoos, name)
				if s.Image != tc.image {
					t.Errorf("ODOO_VERSION=%q: %s runs %s, want %s", tc.env, name, s.Image, tc.image)
				}
			}
			if len(s.Profiles) > 0 {
				t.Errorf("%s has profiles %v: every service of the stack runs", name, s.Profiles)
			}
		}
		if len(odoos) != 2 { // odoo-init and odoo
			t.Errorf("ODOO_VERSION=%q: Odoo services %v, want odoo-init and odoo", tc.env, odoos)
		}
		init := strings.Join(c.Services["odoo-init"].Command, " ")
		run := strings.Join(c.Services["odoo"].Command, " ")
		if !strings.Contains(init, "-d "+tc.db+" ") || !strings.Contains(run, "-d "+tc.db+" ") || !strings.Contains(run, "--db-filter ^"+tc.db+"$") {
			t.Errorf("ODOO_VERSION=%q: init %q, odoo %q: want database %s", tc.env, init, run, tc.db)
		}
		mcp := c.Services["odoo-mcp"]
		if mcp.Environment["ODOO_DB"] != tc.db || mcp.Environment["ODOO_URL"] != "http://odoo:8069" {
			t.Errorf("ODOO_VERSION=%q: odoo-mcp at %s, database %s", tc.env, mcp.Environment["ODOO_URL"], mcp.Environment["ODOO_DB"])
		}
		for dep := range mcp.DependsOn {
			if _, ok := c.Services[dep]; !ok {
				t.Errorf("odoo-mcp waits for %s, which does not run", dep)
			}
		}
		if got := mcp.DependsOn["odoo"].Condition; got != "service_healthy" {
			t.Errorf("odoo-mcp waits for odoo with %q", got)
		}
	}
}

func TestComposeWiring(t *testing.T) {
	c := composeVersion(t, "")
	for _, name := range []string{"db", "odoo-init", "odoo", "letta", "odoo-mcp"} {
		if _, ok := c.Services[name]; !ok {
			t.Fatalf("service %s missing", name)
		}
	}
	for name, s := range c.Services {
		if s.Build != nil {
			continue
		}
		if !regexp.MustCompile(`^[a-z0-9/._-]+:[0-9][0-9a-z.-]*$`).MatchString(s.Image) {
			t.Errorf("%s: image %q is not pinned to a version", name, s.Image)
		}
	}
	if got := c.Services["odoo"].Image; got != "odoo:18.0" {
		t.Errorf("odoo image: %s", got)
	}

	// Letta 0.16.7+ refuses MCP servers at private addresses; a compose
	// network is private, so the pin must be older.
	letta := c.Services["letta"].Image
	m := regexp.MustCompile(`^letta/letta:(\d+)\.(\d+)\.(\d+)$`).FindStringSubmatch(letta)
	if m == nil {
		t.Fatalf("letta image %q is not pinned to x.y.z", letta)
	}
	v := [3]int{}
	for i := range v {
		v[i], _ = strconv.Atoi(m[i+1])
	}
	if v[0] != 0 || v[1] > 16 || (v[1] == 16 && v[2] >= 7) || v[1] < 11 {
		t.Errorf("letta %s: must be between 0.11.7 and 0.16.6 to accept http://odoo-mcp:8808", letta)
	}

	mcp := c.Services["odoo-mcp"]
	if mcp.Build == nil {
		t.Fatal("odoo-mcp must be built from the Dockerfile")
	}
	env := mcp.Environment
	listenPort := portOf(env["ODOO_MCP_LISTEN"])
	checks := map[string]string{
		"ODOO_URL":            "http://odoo:8069",
		"ODOO_DB":             "odoo18",
		"LETTA_BASE_URL":      "http://letta:8283",
		"ODOO_MCP_PUBLIC_URL": "http://odoo-mcp:" + listenPort,
	}
	for k, want := range checks {
		if env[k] != want {
			t.Errorf("odoo-mcp %s = %q, want %q", k, env[k], want)
		}
	}
	if !strings.HasPrefix(env["ODOO_MCP_SIGNING_KEY"], "${ODOO_MCP_SIGNING_KEY:?") {
		t.Errorf("the signing key must be required from the environment, got %q", env["ODOO_MCP_SIGNING_KEY"])
	}
	if !strings.HasPrefix(env["ODOO_MCP_LISTEN"], "0.0.0.0:") {
		t.Errorf("odoo-mcp must listen on all interfaces inside its container: %q", env["ODOO_MCP_LISTEN"])
	}
	if !contains(mcp.Ports, listenPort+":"+listenPort) {
		t.Errorf("odoo-mcp ports %v do not publish %s", mcp.Ports, listenPort)
	}
	if !contains(c.Services["odoo"].Ports, "8069:8069") || !contains(c.Services["letta"].Ports, "8283:8283") {
		t.Error("odoo or letta port not published")
	}
	// Start order: db healthy → init done → odoo healthy; letta healthy; then odoo-mcp.
	deps := []struct{ svc, dep, cond string }{
		{"odoo-init", "db", "service_healthy"},
		{"odoo", "odoo-init", "service_completed_successfully"},
		{"odoo-mcp", "odoo", "service_healthy"},
		{"odoo-mcp", "letta", "service_healthy"},
	}
	for _, d := range deps {
		if got := c.Services[d.svc].DependsOn[d.dep].Condition; got != d.cond {
			t.Errorf("%s depends on %s with %q, want %q", d.svc, d.dep, got, d.cond)
		}
	}
	for _, name := range []string{"db", "odoo", "letta"} {
		if c.Services[name].Healthcheck == nil || len(c.Services[name].Healthcheck.Test) == 0 {
			t.Errorf("%s has no health check", name)
		}
	}
	// The init creates the database odoo-mcp is pointed at.
	if cmd := strings.Join(c.Services["odoo-init"].Command, " "); !strings.Contains(cmd, "-d odoo18 ") || !strings.Contains(cmd, "--stop-after-init") {
		t.Errorf("odoo-init command %q", cmd)
	}

	// Every variable compose sets on odoo-mcp is one the binary reads.
	usage := serveUsage(t)
	for k := range env {
		if !strings.Contains(usage, "(env "+k+")") {
			t.Errorf("compose sets %s, which odoo-mcp serve does not read", k)
		}
	}
}

func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(data)
	froms := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(df, -1)
	if len(froms) < 2 {
		t.Fatalf("want a multi-stage build, got %d stages", len(froms))
	}
	final := froms[len(froms)-1][1]
	if !strings.HasPrefix(final, "gcr.io/distroless/static") || !strings.HasSuffix(final, ":nonroot") {
		t.Errorf("final image %q: want distroless static nonroot", final)
	}
	for _, want := range []string{
		"CGO_ENABLED=0",
		"-X main.version=${VERSION}",
		"-X main.commit=${COMMIT}",
		"USER nonroot:nonroot",
		"EXPOSE 8808",
		`CMD ["/usr/local/bin/odoo-mcp", "healthcheck"]`,
		`ENTRYPOINT ["/usr/local/bin/odoo-mcp"]`,
	} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	if !regexp.MustCompile(`(?m)^HEALTHCHECK `).MatchString(df) {
		t.Error("no HEALTHCHECK")
	}
	if env := regexp.MustCompile(`ODOO_MCP_LISTEN=0\.0\.0\.0:(\d+)`).FindStringSubmatch(df); env == nil || env[1] != "8808" {
		t.Errorf("ODOO_MCP_LISTEN in the image must match EXPOSE 8808: %v", env)
	}
}

func serveUsage(t *testing.T) string {
	t.Helper()
	out, _ := exec.Command(buildBinary(t), "serve", "-h").CombinedOutput()
	return string(out)
}

func portOf(addr string) string {
	if i := strings.LastIndex(addr, ":"); i >= 0 {
		return addr[i+1:]
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestVersionIsStamped builds the binary as the Dockerfile does and checks
// that version and commit reach `odoo-mcp version`.
func TestVersionIsStamped(t *testing.T) {
	bin := t.TempDir() + "/odoo-mcp"
	build := exec.Command("go", "build", "-ldflags", "-X main.version=1.2.3 -X main.commit=0123456789abcdef0123", "-o", bin, "../cmd/odoo-mcp")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil || strings.TrimSpace(string(out)) != "odoo-mcp 1.2.3 (0123456789ab)" {
		t.Fatalf("version: %q %v", out, err)
	}
}

// TestHealthcheckCommand runs the command the image's HEALTHCHECK runs
// against a live server, then a dead one.
func TestHealthcheckCommand(t *testing.T) {
	p := startBinary(t, nil, "--demo")
	cmd := exec.Command(buildBinary(t), "healthcheck")
	cmd.Env = append(os.Environ(), "ODOO_MCP_LISTEN="+strings.TrimPrefix(p.URL, "http://"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("healthcheck of a live server: %v %s", err, out)
	}
	cmd = exec.Command(buildBinary(t), "healthcheck", "--url", "http://"+freeAddr(t)+"/healthz")
	if err := cmd.Run(); err == nil {
		t.Fatal("healthcheck of nothing succeeded")
	}
}
