package load

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
)

// ProfileConfig profiles odoo-mcp under load: odoo-mcp wired in a child
// process with net/http/pprof on a side port (ServeOdooMCP), driven by the
// load driver while CPU, allocation and mutex profiles are taken.
type ProfileConfig struct {
	Self        string // this program (runs the fake Odoo and the profiled server)
	WorkDir     string // child logs
	OutDir      string // cpu.pprof, allocs.pprof, mutex.pprof
	Scenario    string
	Concurrency int
	Duration    time.Duration
	Stateful    bool
	OdooVersion string
	Contention  bool // also mutex and block profiles (they cost the server CPU)
	// Server is odoo-mcp (default) or a baseline kind (noop, proxy), to
	// compare profiles (go tool pprof -diff_base).
	Server   string
	Progress io.Writer
}

// Profile runs one profiled load and writes the profiles to OutDir.
func Profile(ctx context.Context, cfg ProfileConfig) (Result, error) {
	if cfg.Duration <= 0 {
		cfg.Duration = 10 * time.Second
	}
	if cfg.OdooVersion == "" {
		cfg.OdooVersion = "18.0"
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	b := &bench{cfg: BenchConfig{WorkDir: cfg.WorkDir, Self: cfg.Self, OdooVersion: cfg.OdooVersion}, progress: cfg.Progress}
	if err := b.startFake(); err != nil {
		return Result{}, err
	}
	defer b.stopAll()
	addr, err := FreeAddr()
	if err != nil {
		return Result{}, err
	}
	pprofAddr, err := FreeAddr()
	if err != nil {
		return Result{}, err
	}
	args := []string{"serve-odoo-mcp", "-listen", addr, "-pprof", pprofAddr, "-odoo-url", b.fake.URL, "-db", "odoo"}
	ready := "/readyz"
	h := http.Header{}
	h.Set("Authorization", BasicAuth(fakeodoo.AdminLogin, fakeodoo.AdminKey))
	target := Target{Name: NameOdooMCP, Header: h, Tool: "odoo_record_retriever", Arguments: []byte(RetrieverArguments)}
	if cfg.Server != "" && cfg.Server != "odoo-mcp" {
		args = []string{"baseline", "-kind", cfg.Server, "-listen", addr, "-pprof", pprofAddr, "-odoo-url", b.fake.URL, "-db", "odoo"}
		ready = "/healthz"
		target = Target{Name: cfg.Server, Tool: BaselineTool(cfg.Server), Arguments: []byte(RetrieverArguments)}
	}
	if cfg.Stateful {
		args = append(args, "-stateful")
	}
	if cfg.Contention && ready == "/readyz" {
		args = append(args, "-contention")
	}
	p, err := StartProc("odoo-mcp-profiled", cfg.WorkDir, addr, nil, cfg.Self, args...)
	if err != nil {
		return Result{}, err
	}
	b.servers = append(b.servers, &server{name: NameOdooMCP, proc: p})
	if _, err := p.WaitReady(ready, 15*time.Second); err != nil {
		return Result{}, err
	}
	target.URL = p.URL + "/mcp"
	if _, err := Run(ctx, target, Options{Scenario: ScenarioSession, Concurrency: 4, MaxCalls: 500}); err != nil {
		return Result{}, err
	}
	if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
		return Result{}, err
	}
	pprofURL := "http://" + pprofAddr + "/debug/pprof/"
	// Allocation counts are cumulative: take them around the load.
	if err := fetch(pprofURL+"allocs", filepath.Join(cfg.OutDir, "allocs-before.pprof")); err != nil {
		return Result{}, err
	}
	type out struct {
		res Result
		err error
	}
	done := make(chan out, 1)
	go func() {
		res, err := Run(ctx, target, Options{Scenario: cfg.Scenario, Concurrency: cfg.Concurrency, Duration: cfg.Duration, Warmup: 500 * time.Millisecond})
		done <- out{res, err}
	}()
	if err := waitCtx(ctx, time.Second); err != nil {
		return Result{}, err
	}
	secs := max(1, int(cfg.Duration/time.Second)-1)
	if err := fetch(fmt.Sprintf("%sprofile?seconds=%d", pprofURL, secs), filepath.Join(cfg.OutDir, "cpu.pprof")); err != nil {
		return Result{}, err
	}
	o := <-done
	if o.err != nil {
		return o.res, o.err
	}
	for _, name := range []string{"allocs", "mutex", "block"} {
		if err := fetch(pprofURL+name, filepath.Join(cfg.OutDir, name+".pprof")); err != nil {
			return o.res, err
		}
	}
	return o.res, nil
}

func fetch(url, path string) error {
	resp, err := (&http.Client{Timeout: 2 * time.Minute}).Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %d", url, resp.StatusCode)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
