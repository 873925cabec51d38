package load

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
)

// Server names in reports.
const (
	NameNoop    = "bare go-sdk (no-op)"
	NameProxy   = "bare go-sdk → Odoo"
	NameOdooMCP = "odoo-mcp"
	NameInProc  = "odoo-mcp (in mcpload)"
)

// The rate limit odoo-mcp runs with in the benchmark: on, never reached.
const (
	RateLimit = "1000000000"
	RateBurst = "1000000"
)

// RetrieverArguments is the call every server gets: a retriever call on
// odoo-mcp, the same arguments to the baselines' tools.
const RetrieverArguments = `{"model":"res.partner","domain":[["is_company","=",true]],"fields":["name","email","country_id"],"limit":5}`

// BenchConfig is a side-by-side benchmark: the baselines and odoo-mcp,
// each a child process, against one fake Odoo child process.
type BenchConfig struct {
	Repo       string // module root: odoo-mcp is built from ./cmd/odoo-mcp there
	OdooMCPBin string // a prebuilt odoo-mcp instead
	Self       string // this program: the fake Odoo and the baselines run as its subcommands
	WorkDir    string // binaries and child logs

	Scenarios   []string
	Concurrency []int
	Rounds      int
	Duration    time.Duration
	Warmup      time.Duration
	Stateful    bool
	OdooVersion string

	Phases      []string // matrix, memory, startup
	StartupRuns int
	MemoryCalls int
	Settle      time.Duration // idle time after the memory load before RSS is read again

	// InProcess adds a fourth server: odoo-mcp wired by this program
	// (ServeOdooMCP, as used for profiling), to check that profiles of it
	// stand for the binary.
	InProcess bool

	Progress io.Writer
}

// Report is everything one benchmark run measured.
type Report struct {
	Machine  Machine        `json:"machine"`
	Settings map[string]any `json:"settings"`
	Cells    []Cell         `json:"cells,omitempty"`
	Odoo     *OdooReport    `json:"odoo,omitempty"`
	Memory   *MemoryReport  `json:"memory,omitempty"`
	Startup  *StartupReport `json:"startup,omitempty"`
	Targets  []Check        `json:"targets"`
}

// Machine describes where the run happened.
type Machine struct {
	CPUs      int    `json:"cpus"`
	CPUModel  string `json:"cpu_model"`
	GoVersion string `json:"go_version"`
	Kernel    string `json:"kernel,omitempty"`
	LoadStart string `json:"loadavg_start"`
	LoadEnd   string `json:"loadavg_end"`
}

// Cell is one server at one scenario and concurrency, over all rounds.
type Cell struct {
	Scenario    string   `json:"scenario"`
	Concurrency int      `json:"concurrency"`
	Server      string   `json:"server"`
	Result      Result   `json:"result"` // rounds pooled
	Rounds      []Result `json:"rounds"`
	// Ratios to the proxy baseline, the median over rounds of this
	// round's figure divided by the baseline's in the same round.
	ThroughputRatio float64 `json:"throughput_vs_proxy"`
	P99Ratio        float64 `json:"p99_vs_proxy"`
	// CPUPerCall is the server process's CPU time per completed
	// operation (user+system), median over rounds.
	CPUPerCall Millis `json:"cpu_ms_per_call"`
	// OdooCPUPerCall is the fake Odoo's CPU time per operation while this
	// server ran: it shares the machine.
	OdooCPUPerCall Millis `json:"odoo_cpu_ms_per_call"`
	// DriverCPUPerCall is the load driver's (this process's) CPU time per
	// operation: bigger answers cost the client more too.
	DriverCPUPerCall Millis `json:"driver_cpu_ms_per_call"`
	// Odoo requests per tools/call and new TCP connections to Odoo while
	// this server ran (the proxy baseline and odoo-mcp).
	OdooPerCall    float64 `json:"odoo_requests_per_tool_call,omitempty"`
	NewConnections int64   `json:"new_odoo_connections"`
	SteadyNewConns int64   `json:"new_odoo_connections_after_first_round"`
}

// OdooReport sums odoo-mcp's traffic to Odoo over the matrix.
type OdooReport struct {
	ToolCalls      int64   `json:"tool_calls"`
	Requests       int64   `json:"odoo_requests"`
	PerCall        float64 `json:"odoo_requests_per_tool_call"`
	NewConnections int64   `json:"new_connections"`
	SteadyNewConns int64   `json:"new_connections_after_first_round"`
	MaxConcurrency int     `json:"max_concurrency"`
}

// MemoryReport is odoo-mcp's RSS, and the bare server's for reference.
type MemoryReport struct {
	IdleMiB        float64 `json:"idle_mib"`
	AfterLoadMiB   float64 `json:"after_load_mib"`
	AfterSettleMiB float64 `json:"after_settle_mib"`
	SettleSeconds  float64 `json:"settle_seconds"`
	// BackAfterSeconds is when RSS was back within the target of idle;
	// -1 when it was not within SettleSeconds.
	BackAfterSeconds float64 `json:"back_after_seconds"`
	Calls            int64   `json:"calls"`
	Concurrency      int     `json:"concurrency"`
	BareIdleMiB      float64 `json:"bare_idle_mib"`
}

// StartupReport is the time from exec to ready.
type StartupReport struct {
	Runs       int    `json:"runs"`
	HealthzP50 Millis `json:"healthz_p50_ms"`
	ReadyzP50  Millis `json:"readyz_p50_ms"`
	ReadyzMax  Millis `json:"readyz_max_ms"`
}

// Check is one target of the issue, met or not.
type Check struct {
	Target string `json:"target"`
	Figure string `json:"figure"`
	Met    bool   `json:"met"`
}

type server struct {
	name   string
	proc   *Proc
	target Target
}

// bench is one run's state.
type bench struct {
	cfg      BenchConfig
	odooMCP  string // binary
	fake     *Proc
	servers  []*server
	progress io.Writer
}

func (c *BenchConfig) defaults() {
	if len(c.Scenarios) == 0 {
		c.Scenarios = []string{ScenarioSession, ScenarioLetta}
	}
	if len(c.Concurrency) == 0 {
		c.Concurrency = []int{1, 16, 64}
	}
	if c.Rounds <= 0 {
		c.Rounds = 5
	}
	if c.Duration <= 0 {
		c.Duration = 1500 * time.Millisecond
	}
	if c.Warmup < 0 {
		c.Warmup = 0
	}
	if c.OdooVersion == "" {
		c.OdooVersion = "18.0"
	}
	if len(c.Phases) == 0 {
		c.Phases = []string{"startup", "memory", "matrix"}
	}
	if c.StartupRuns <= 0 {
		c.StartupRuns = 10
	}
	if c.MemoryCalls <= 0 {
		c.MemoryCalls = 1000
	}
	if c.Settle <= 0 {
		c.Settle = 10 * time.Second
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
}

// Bench runs the benchmark and returns its report.
func Bench(ctx context.Context, cfg BenchConfig) (*Report, error) {
	cfg.defaults()
	b := &bench{cfg: cfg, progress: cfg.Progress}
	rep := &Report{Machine: machine(), Settings: map[string]any{
		"scenarios": cfg.Scenarios, "concurrency": cfg.Concurrency, "rounds": cfg.Rounds,
		"duration_s": cfg.Duration.Seconds(), "warmup_s": cfg.Warmup.Seconds(), "stateful": cfg.Stateful,
		"odoo_version": cfg.OdooVersion, "arguments": json.RawMessage(RetrieverArguments),
	}}
	if err := b.build(ctx); err != nil {
		return nil, err
	}
	defer b.stopAll()
	if err := b.startFake(); err != nil {
		return nil, err
	}
	for _, phase := range cfg.Phases {
		var err error
		switch phase {
		case "startup":
			rep.Startup, err = b.startup(ctx)
		case "memory":
			rep.Memory, err = b.memory(ctx)
		case "matrix":
			rep.Cells, rep.Odoo, err = b.matrix(ctx)
		default:
			err = fmt.Errorf("unknown phase %q (startup, memory, matrix)", phase)
		}
		if err != nil {
			return rep, fmt.Errorf("%s: %w", phase, err)
		}
	}
	rep.Machine.LoadEnd = loadavg()
	rep.Targets = checks(rep)
	return rep, nil
}

func (b *bench) logf(format string, a ...any) { fmt.Fprintf(b.progress, format+"\n", a...) }

// build compiles odoo-mcp as a user would (go build ./cmd/odoo-mcp).
func (b *bench) build(ctx context.Context) error {
	if b.cfg.OdooMCPBin != "" {
		b.odooMCP = b.cfg.OdooMCPBin
		return nil
	}
	b.odooMCP = filepath.Join(b.cfg.WorkDir, "odoo-mcp")
	b.logf("building odoo-mcp (go build ./cmd/odoo-mcp)")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", b.odooMCP, "./cmd/odoo-mcp")
	cmd.Dir = b.cfg.Repo
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/odoo-mcp: %v\n%s", err, out)
	}
	return nil
}

func (b *bench) startFake() error {
	addr, err := FreeAddr()
	if err != nil {
		return err
	}
	p, err := StartProc("fakeodoo", b.cfg.WorkDir, addr, nil, b.cfg.Self, "fakeodoo", "-listen", addr, "-version", b.cfg.OdooVersion)
	if err != nil {
		return err
	}
	b.fake = p
	if _, err := p.WaitReady(StatsPath, 15*time.Second); err != nil {
		return err
	}
	b.logf("fake Odoo %s at %s", b.cfg.OdooVersion, p.URL)
	return nil
}

func (b *bench) stopAll() {
	for _, s := range b.servers {
		s.proc.Stop()
	}
	if b.fake != nil {
		b.fake.Stop()
	}
}

// BasicAuth is an Authorization header value for login and key.
func BasicAuth(login, key string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(login+":"+key))
}

// startOdooMCP runs the odoo-mcp binary against the fake Odoo: default
// flags, JSON logs (an audit line per call, as in production), credentials
// trusted for an hour so that they stay warm through the run.
func (b *bench) startOdooMCP(name string) (*server, error) {
	addr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	// The per-caller rate limit stays on (its cost is part of every
	// request) but far above what one machine can send.
	args := []string{"serve", "--listen", addr, "--odoo-url", b.fake.URL, "--odoo-db", "odoo",
		"--auth-cache-ttl", "1h", "--log-format", "json", "--rate-limit", RateLimit, "--rate-burst", RateBurst}
	if b.cfg.Stateful {
		args = append(args, "--stateful")
	}
	p, err := StartProc(name, b.cfg.WorkDir, addr, cleanEnv(), b.odooMCP, args...)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set("Authorization", BasicAuth(fakeodoo.AdminLogin, fakeodoo.AdminKey))
	return &server{name: NameOdooMCP, proc: p, target: Target{Name: NameOdooMCP, URL: p.URL + "/mcp", Header: h,
		Tool: "odoo_record_retriever", Arguments: []byte(RetrieverArguments)}}, nil
}

func (b *bench) startInProcess() (*server, error) {
	addr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	args := []string{"serve-odoo-mcp", "-listen", addr, "-odoo-url", b.fake.URL, "-db", "odoo"}
	if b.cfg.Stateful {
		args = append(args, "-stateful")
	}
	p, err := StartProc("odoo-mcp-inproc", b.cfg.WorkDir, addr, nil, b.cfg.Self, args...)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set("Authorization", BasicAuth(fakeodoo.AdminLogin, fakeodoo.AdminKey))
	return &server{name: NameInProc, proc: p, target: Target{Name: NameInProc, URL: p.URL + "/mcp", Header: h,
		Tool: "odoo_record_retriever", Arguments: []byte(RetrieverArguments)}}, nil
}

func (b *bench) startBaseline(kind string) (*server, error) {
	addr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	args := []string{"baseline", "-listen", addr, "-kind", kind, "-odoo-url", b.fake.URL, "-db", "odoo"}
	if b.cfg.Stateful {
		args = append(args, "-stateful")
	}
	p, err := StartProc("baseline-"+kind, b.cfg.WorkDir, addr, nil, b.cfg.Self, args...)
	if err != nil {
		return nil, err
	}
	name := NameNoop
	if kind == BaselineProxy {
		name = NameProxy
	}
	return &server{name: name, proc: p, target: Target{Name: name, URL: p.URL + "/mcp",
		Tool: BaselineTool(kind), Arguments: []byte(RetrieverArguments)}}, nil
}

// cleanEnv is this environment without the ODOO_* variables that could
// change odoo-mcp's configuration behind the benchmark's back.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ODOO_") {
			out = append(out, kv)
		}
	}
	return out
}

func (b *bench) fakeStats() (FakeOdooStats, error) {
	var st FakeOdooStats
	resp, err := http.Get(b.fake.URL + StatsPath)
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

// startup measures exec to ready, StartupRuns times.
func (b *bench) startup(ctx context.Context) (*StartupReport, error) {
	var health, ready []time.Duration
	for i := range b.cfg.StartupRuns {
		s, err := b.startOdooMCP(fmt.Sprintf("odoo-mcp-startup-%d", i))
		if err != nil {
			return nil, err
		}
		h, err := s.proc.WaitReady("/healthz", 15*time.Second)
		if err == nil {
			var r time.Duration
			r, err = s.proc.WaitReady("/readyz", 15*time.Second)
			health, ready = append(health, h), append(ready, r)
		}
		s.proc.Stop()
		os.Remove(s.proc.LogPath)
		if err != nil {
			return nil, err
		}
		if err := waitCtx(ctx, 50*time.Millisecond); err != nil {
			return nil, err
		}
	}
	slices.Sort(health)
	slices.Sort(ready)
	rep := &StartupReport{Runs: len(ready), HealthzP50: ms(percentile(health, 50)),
		ReadyzP50: ms(percentile(ready, 50)), ReadyzMax: ms(ready[len(ready)-1])}
	b.logf("startup: /healthz p50 %.1f ms, /readyz p50 %.1f ms, max %.1f ms (%d runs)", rep.HealthzP50, rep.ReadyzP50, rep.ReadyzMax, rep.Runs)
	return rep, nil
}

// memory measures a fresh odoo-mcp's RSS idle, right after MemoryCalls
// calls at concurrency 64, and after Settle idle; the bare server's idle
// RSS for reference.
func (b *bench) memory(ctx context.Context) (*MemoryReport, error) {
	const c = 64
	s, err := b.startOdooMCP("odoo-mcp-memory")
	if err != nil {
		return nil, err
	}
	defer s.proc.Stop()
	bare, err := b.startBaseline(BaselineNoop)
	if err != nil {
		return nil, err
	}
	defer bare.proc.Stop()
	if _, err := s.proc.WaitReady("/readyz", 15*time.Second); err != nil {
		return nil, err
	}
	if _, err := bare.proc.WaitReady("/healthz", 15*time.Second); err != nil {
		return nil, err
	}
	if err := waitCtx(ctx, time.Second); err != nil {
		return nil, err
	}
	rep := &MemoryReport{Concurrency: c, SettleSeconds: b.cfg.Settle.Seconds()}
	idle, err := s.proc.RSS()
	if err != nil {
		return nil, err
	}
	bareIdle, _ := bare.proc.RSS()
	res, err := Run(ctx, s.target, Options{Scenario: ScenarioSession, Concurrency: c, MaxCalls: b.cfg.MemoryCalls, Duration: time.Minute})
	if err != nil {
		return nil, err
	}
	if res.Errors > 0 {
		return nil, fmt.Errorf("%d errors during the memory load: %s", res.Errors, res.FirstError)
	}
	after, _ := s.proc.RSS()
	// Watch RSS come down, for at most Settle.
	settled, start := after, time.Now()
	rep.BackAfterSeconds = -1
	for time.Since(start) < b.cfg.Settle {
		if err := waitCtx(ctx, 500*time.Millisecond); err != nil {
			return nil, err
		}
		settled, _ = s.proc.RSS()
		if float64(settled) <= TargetSettle*float64(idle) {
			rep.BackAfterSeconds = time.Since(start).Seconds()
			break
		}
	}
	rep.SettleSeconds = time.Since(start).Seconds()
	rep.Calls = res.Calls
	rep.IdleMiB, rep.AfterLoadMiB, rep.AfterSettleMiB, rep.BareIdleMiB = mib(idle), mib(after), mib(settled), mib(bareIdle)
	b.logf("memory: idle %.1f MiB, after %d calls at c=%d %.1f MiB, after %.0fs idle %.1f MiB (bare go-sdk idle %.1f MiB)",
		rep.IdleMiB, rep.Calls, c, rep.AfterLoadMiB, rep.SettleSeconds, rep.AfterSettleMiB, rep.BareIdleMiB)
	return rep, nil
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// matrix runs every scenario at every concurrency, the three servers
// alternating within each round (the order rotates from round to round).
func (b *bench) matrix(ctx context.Context) ([]Cell, *OdooReport, error) {
	noop, err := b.startBaseline(BaselineNoop)
	if err != nil {
		return nil, nil, err
	}
	proxy, err := b.startBaseline(BaselineProxy)
	if err != nil {
		return nil, nil, err
	}
	om, err := b.startOdooMCP("odoo-mcp")
	if err != nil {
		return nil, nil, err
	}
	servers := []*server{noop, proxy, om}
	if b.cfg.InProcess {
		ip, err := b.startInProcess()
		if err != nil {
			return nil, nil, err
		}
		servers = append(servers, ip)
	}
	b.servers = servers
	for _, s := range servers {
		path := "/healthz"
		if s.name == NameOdooMCP || s.name == NameInProc {
			path = "/readyz"
		}
		if _, err := s.proc.WaitReady(path, 15*time.Second); err != nil {
			return nil, nil, err
		}
		// Check each server answers the call right, and warm it up
		// (odoo-mcp's credential cache, Odoo's connection pool).
		r, err := Run(ctx, s.target, Options{Scenario: ScenarioSession, Concurrency: 4, MaxCalls: 200, Duration: 10 * time.Second})
		if err != nil {
			return nil, nil, err
		}
		if r.Errors > 0 || r.Calls == 0 {
			return nil, nil, fmt.Errorf("%s does not answer the call: %d errors: %s", s.name, r.Errors, r.FirstError)
		}
	}
	odoo := &OdooReport{MaxConcurrency: slices.Max(b.cfg.Concurrency)}
	var cells []Cell
	for _, sc := range b.cfg.Scenarios {
		for _, c := range b.cfg.Concurrency {
			rounds := make([][]Result, len(servers))
			cpu := make([][]float64, len(servers))
			odooCPU := make([][]float64, len(servers))
			driverCPU := make([][]float64, len(servers))
			conns := make([]int64, len(servers))
			steady := make([]int64, len(servers))
			odooReq := make([]int64, len(servers))
			toolCalls := make([]int64, len(servers))
			for r := range b.cfg.Rounds {
				for k := range servers {
					i := (k + r) % len(servers)
					s := servers[i]
					st0, err := b.fakeStats()
					if err != nil {
						return nil, nil, err
					}
					cpu0, _ := cpuTime(s.proc.PID())
					fcpu0, _ := cpuTime(b.fake.PID())
					dcpu0 := selfCPU()
					res, err := Run(ctx, s.target, Options{Scenario: sc, Concurrency: c, Duration: b.cfg.Duration, Warmup: b.cfg.Warmup})
					if err != nil {
						return nil, nil, err
					}
					cpu1, _ := cpuTime(s.proc.PID())
					fcpu1, _ := cpuTime(b.fake.PID())
					dcpu1 := selfCPU()
					st1, err := b.fakeStats()
					if err != nil {
						return nil, nil, err
					}
					if res.Operations > 0 {
						cpu[i] = append(cpu[i], float64(cpu1-cpu0)/float64(res.Operations))
						odooCPU[i] = append(odooCPU[i], float64(fcpu1-fcpu0)/float64(res.Operations))
						driverCPU[i] = append(driverCPU[i], float64(dcpu1-dcpu0)/float64(res.Operations))
					}
					rounds[i] = append(rounds[i], res)
					nc := st1.Connections - st0.Connections
					conns[i] += nc
					if r > 0 {
						steady[i] += nc
					}
					odooReq[i] += st1.Requests - st0.Requests
					toolCalls[i] += res.ToolCalls
					b.logf("%-7s c=%-3d round %d  %-22s %8.0f calls/s  p50 %6.2f ms  p99 %6.2f ms  errors %d  odoo conns +%d",
						sc, c, r+1, s.name, res.CallsPerSec, res.P50, res.P99, res.Errors, nc)
				}
			}
			for i, s := range servers {
				cell := Cell{Scenario: sc, Concurrency: c, Server: s.name, Result: Merge(rounds[i]...), Rounds: rounds[i],
					NewConnections: conns[i], SteadyNewConns: steady[i], CPUPerCall: ms(time.Duration(median(cpu[i]))),
					OdooCPUPerCall: ms(time.Duration(median(odooCPU[i]))), DriverCPUPerCall: ms(time.Duration(median(driverCPU[i])))}
				cell.ThroughputRatio = medianRatio(rounds[i], rounds[1], func(r Result) float64 { return r.CallsPerSec })
				cell.P99Ratio = medianRatio(rounds[i], rounds[1], func(r Result) float64 { return float64(r.P99) })
				if s.name != NameNoop && toolCalls[i] > 0 {
					cell.OdooPerCall = float64(odooReq[i]) / float64(toolCalls[i])
				}
				if s.name == NameOdooMCP {
					odoo.ToolCalls += toolCalls[i]
					odoo.Requests += odooReq[i]
					odoo.NewConnections += conns[i]
					odoo.SteadyNewConns += steady[i]
				}
				cells = append(cells, cell)
			}
		}
	}
	if odoo.ToolCalls > 0 {
		odoo.PerCall = float64(odoo.Requests) / float64(odoo.ToolCalls)
	}
	return cells, odoo, nil
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func medianRatio(a, base []Result, f func(Result) float64) float64 {
	var ratios []float64
	for i := range min(len(a), len(base)) {
		if d := f(base[i]); d > 0 {
			ratios = append(ratios, f(a[i])/d)
		}
	}
	return median(ratios)
}

// cpuTime is a process's user+system CPU time.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command name, which is in parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("bad /proc stat")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("bad /proc stat")
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const hz = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / hz, nil
}

// selfCPU is this process's user+system CPU time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), LoadStart: loadavg()}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
