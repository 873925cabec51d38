// Command mcpload drives MCP Streamable HTTP endpoints on this machine and
// compares odoo-mcp with the bare go-sdk server side by side.
//
//	go run ./e2e/load/cmd/mcpload bench            # everything; prints the README table
//	go run ./e2e/load/cmd/mcpload drive -url http://127.0.0.1:8808/mcp -auth "Basic ..." \
//	    -scenario letta -c 16 -duration 5s -tool odoo_record_retriever -args '{"model":"res.partner"}'
//	go run ./e2e/load/cmd/mcpload profile -out /tmp/prof   # pprof of odoo-mcp under load
//
// Load only ever goes to loopback addresses, and every run is bounded in
// time and count.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/odoo-mcp/odoo-mcp/e2e/load"
	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
)

const usage = `mcpload: load and compare MCP Streamable HTTP servers (loopback only).

  mcpload bench     odoo-mcp against the bare go-sdk baselines, side by side; prints the table
  mcpload drive     drive one MCP endpoint (session or letta pattern)
  mcpload stream    what the thread stream relay adds, direct from Letta vs through odoo-mcp
  mcpload profile   CPU, allocation and mutex profiles of odoo-mcp under load

Helpers the bench starts as child processes:
  mcpload fakeodoo | baseline | serve-odoo-mcp

Run "mcpload <command> -h" for flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "bench":
		err = bench(ctx, args)
	case "drive":
		err = drive(ctx, args)
	case "stream":
		err = streamCmd(ctx, args)
	case "profile":
		err = profile(ctx, args)
	case "fakeodoo":
		err = serveFake(ctx, args)
	case "baseline":
		err = serveBaseline(ctx, args)
	case "serve-odoo-mcp":
		err = serveOdooMCP(ctx, args)
	case "-h", "--help", "help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "mcpload: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintf(os.Stderr, "mcpload: %v\n", err)
		os.Exit(1)
	}
}

func ints(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a list of positive numbers", s)
		}
		out = append(out, n)
	}
	return out, nil
}

func list(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// moduleRoot finds the odoo-mcp module from the working directory.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run mcpload inside the odoo-mcp module, or pass -odoo-mcp-bin")
	}
	return filepath.Dir(mod), nil
}

func bench(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	scenarios := fs.String("scenarios", "session,letta", "patterns to run")
	conc := fs.String("c", "1,16,64", "concurrencies")
	rounds := fs.Int("rounds", 5, "rounds per cell; each round runs every server once, alternating (the order rotates)")
	duration := fs.Duration("duration", 1500*time.Millisecond, "measured time per server, cell and round")
	warmup := fs.Duration("warmup", 300*time.Millisecond, "unmeasured warm-up before each measurement")
	stateful := fs.Bool("stateful", false, "run every server stateful (default: stateless, odoo-mcp's default)")
	odooVersion := fs.String("odoo-version", "18.0", "fake Odoo version: 18.0 (JSON-RPC) or 19.0 (JSON-2)")
	phases := fs.String("phases", "startup,memory,matrix,stream", "what to measure (stream: the thread relay, as mcpload stream)")
	startupRuns := fs.Int("startup-runs", 10, "starts of odoo-mcp timed")
	settle := fs.Duration("settle", 45*time.Second, "how long to watch RSS come back down after the memory load (odoo-mcp hands memory back to the OS after 30 s without a request)")
	bin := fs.String("odoo-mcp-bin", "", "a built odoo-mcp (default: go build ./cmd/odoo-mcp)")
	jsonOut := fs.String("json", "", "also write the report as JSON to this file (- for stdout)")
	keep := fs.Bool("keep", false, "keep the work directory (binaries, child logs)")
	inproc := fs.Bool("inprocess", false, "add odoo-mcp wired by mcpload (the profiled wiring) as a fourth server")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cs, err := ints(*conc)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cfg := load.BenchConfig{OdooMCPBin: *bin, Self: self, Scenarios: list(*scenarios), Concurrency: cs,
		Rounds: *rounds, Duration: *duration, Warmup: *warmup, Stateful: *stateful, OdooVersion: *odooVersion,
		Phases: slices.DeleteFunc(list(*phases), func(p string) bool { return p == "stream" }), StartupRuns: *startupRuns, Settle: *settle, InProcess: *inproc, Progress: os.Stderr}
	if cfg.OdooMCPBin == "" {
		if cfg.Repo, err = moduleRoot(); err != nil {
			return err
		}
	}
	if cfg.WorkDir, err = os.MkdirTemp("", "mcpload-"); err != nil {
		return err
	}
	if *keep {
		fmt.Fprintf(os.Stderr, "work directory: %s\n", cfg.WorkDir)
	} else {
		defer os.RemoveAll(cfg.WorkDir)
	}
	var rep *load.Report
	if len(cfg.Phases) > 0 {
		rep, err = load.Bench(ctx, cfg)
		if rep != nil {
			load.WriteTable(os.Stdout, rep)
		}
		if err != nil {
			return err
		}
	}
	var stream *load.StreamReport
	if slices.Contains(list(*phases), "stream") {
		if stream, err = load.MeasureStream(ctx, 300); err != nil {
			return fmt.Errorf("stream: %w", err)
		}
		fmt.Println()
		load.WriteStreamReport(os.Stdout, stream)
	}
	if *jsonOut != "" {
		return writeJSON(*jsonOut, map[string]any{"bench": rep, "stream": stream})
	}
	return nil
}

func writeJSON(path string, v any) error {
	var w io.Writer = os.Stdout
	if path != "-" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func drive(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("drive", flag.ContinueOnError)
	url := fs.String("url", "", "MCP endpoint, e.g. http://127.0.0.1:8808/mcp (loopback only)")
	authz := fs.String("auth", "", "Authorization header value")
	basic := fs.Bool("demo-admin", false, "send the fake Odoo's admin credential (Basic admin:AdminKey)")
	sc := fs.String("scenario", load.ScenarioSession, "session or letta")
	c := fs.Int("c", 1, "concurrency")
	duration := fs.Duration("duration", 5*time.Second, "measured time (at most 5m)")
	warmup := fs.Duration("warmup", 300*time.Millisecond, "unmeasured warm-up")
	maxCalls := fs.Int("max-calls", 0, "stop after this many measured operations (default 1,000,000)")
	tool := fs.String("tool", "odoo_record_retriever", "tool to call")
	toolArgs := fs.String("args", load.RetrieverArguments, "tool arguments (JSON object)")
	fresh := fs.Bool("fresh-connections", false, "a new TCP connection per operation")
	jsonOut := fs.String("json", "", "write the result as JSON to this file (- for stdout)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *url == "" {
		return errors.New("-url is required")
	}
	if !json.Valid([]byte(*toolArgs)) {
		return errors.New("-args is not JSON")
	}
	h := http.Header{}
	if *basic {
		h.Set("Authorization", "Basic "+basicValue(fakeodoo.AdminLogin, fakeodoo.AdminKey))
	}
	if *authz != "" {
		h.Set("Authorization", *authz)
	}
	res, err := load.Run(ctx, load.Target{Name: *url, URL: *url, Header: h, Tool: *tool, Arguments: []byte(*toolArgs)},
		load.Options{Scenario: *sc, Concurrency: *c, Duration: *duration, Warmup: *warmup, MaxCalls: *maxCalls, FreshConnections: *fresh})
	if err != nil {
		return err
	}
	fmt.Println("| pattern | c | calls | errors | calls/s | p50 ms | p90 ms | p99 ms | max ms |")
	fmt.Println("|---|--:|--:|--:|--:|--:|--:|--:|--:|")
	fmt.Printf("| %s | %d | %d | %d | %.0f | %.2f | %.2f | %.2f | %.2f |\n", res.Scenario, res.Concurrency, res.Calls, res.Errors,
		res.CallsPerSec, res.P50, res.P90, res.P99, res.Max)
	if res.FirstError != "" {
		fmt.Printf("\nfirst error: %s\n", res.FirstError)
	}
	if *jsonOut != "" {
		return writeJSON(*jsonOut, res)
	}
	return nil
}

func basicValue(login, key string) string {
	return strings.TrimPrefix(load.BasicAuth(login, key), "Basic ")
}

func profile(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("profile", flag.ContinueOnError)
	out := fs.String("out", "", "directory for the profiles (required)")
	sc := fs.String("scenario", load.ScenarioSession, "session or letta")
	c := fs.Int("c", 16, "concurrency")
	duration := fs.Duration("duration", 10*time.Second, "load time")
	stateful := fs.Bool("stateful", false, "stateful odoo-mcp")
	odooVersion := fs.String("odoo-version", "18.0", "fake Odoo version")
	contention := fs.Bool("contention", false, "also record mutex and blocking profiles (slows the server)")
	server := fs.String("server", "odoo-mcp", "server to profile: odoo-mcp, or a baseline (noop, proxy) for comparison")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("-out is required")
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "mcpload-profile-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	res, err := load.Profile(ctx, load.ProfileConfig{Self: self, WorkDir: work, OutDir: *out, Scenario: *sc,
		Concurrency: *c, Duration: *duration, Stateful: *stateful, OdooVersion: *odooVersion, Contention: *contention, Server: *server, Progress: os.Stderr})
	if err != nil {
		return err
	}
	fmt.Printf("%s c=%d: %.0f calls/s, p50 %.2f ms, p99 %.2f ms, %d errors\n", res.Scenario, res.Concurrency, res.CallsPerSec, res.P50, res.P99, res.Errors)
	fmt.Printf("profiles in %s: go tool pprof -top %s\n", *out, filepath.Join(*out, "cpu.pprof"))
	return nil
}

func listen(addr string) (net.Listener, error) {
	if err := load.CheckLoopback("http://" + addr); err != nil {
		return nil, err
	}
	return net.Listen("tcp", addr)
}

// servePprof serves net/http/pprof on addr, when set.
func servePprof(addr string) error {
	if addr == "" {
		return nil
	}
	ln, err := listen(addr)
	if err != nil {
		return err
	}
	go http.Serve(ln, http.DefaultServeMux)
	return nil
}

func serveFake(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("fakeodoo", flag.ContinueOnError)
	addr := fs.String("listen", "127.0.0.1:0", "address")
	version := fs.String("version", "18.0", "18.0 or 19.0")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ln, err := listen(*addr)
	if err != nil {
		return err
	}
	return load.ServeFakeOdoo(ctx, ln, *version)
}

func serveBaseline(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("baseline", flag.ContinueOnError)
	addr := fs.String("listen", "127.0.0.1:0", "address")
	kind := fs.String("kind", load.BaselineNoop, "noop or proxy")
	odooURL := fs.String("odoo-url", "", "Odoo to forward to (proxy)")
	db := fs.String("db", "odoo", "database")
	stateful := fs.Bool("stateful", false, "stateful sessions")
	jsonResp := fs.Bool("json-response", false, "application/json answers")
	pprofAddr := fs.String("pprof", "", "serve net/http/pprof on this address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ln, err := listen(*addr)
	if err != nil {
		return err
	}
	if err := servePprof(*pprofAddr); err != nil {
		return err
	}
	return load.ServeBaseline(ctx, ln, load.BaselineConfig{Kind: *kind, Stateful: *stateful, JSONResponse: *jsonResp,
		OdooURL: *odooURL, DB: *db, UID: fakeodoo.AdminUID, Key: fakeodoo.AdminKey})
}

func serveOdooMCP(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve-odoo-mcp", flag.ContinueOnError)
	addr := fs.String("listen", "127.0.0.1:0", "address")
	pprofAddr := fs.String("pprof", "", "serve net/http/pprof on this address")
	odooURL := fs.String("odoo-url", "", "Odoo")
	db := fs.String("db", "odoo", "database")
	stateful := fs.Bool("stateful", false, "stateful sessions")
	contention := fs.Bool("contention", false, "record mutex and blocking profiles (costs CPU)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ln, err := listen(*addr)
	if err != nil {
		return err
	}
	if *pprofAddr != "" && *contention {
		runtime.SetMutexProfileFraction(10)
		runtime.SetBlockProfileRate(int(100 * time.Microsecond))
	}
	if err := servePprof(*pprofAddr); err != nil {
		return err
	}
	return load.ServeOdooMCP(ctx, ln, load.OdooMCPConfig{OdooURL: *odooURL, DB: *db, Stateful: *stateful,
		AuthTTL: time.Hour, Log: os.Stderr})
}

// streamCmd measures what the thread stream relay adds, in process.
func streamCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("stream", flag.ContinueOnError)
	pairs := fs.Int("pairs", 300, "messages sent each way, alternating")
	jsonOut := fs.String("json", "", "also write the report as JSON to this file (- for stdout)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rep, err := load.MeasureStream(ctx, *pairs)
	if err != nil {
		return err
	}
	load.WriteStreamReport(os.Stdout, rep)
	if *jsonOut != "" {
		return writeJSON(*jsonOut, rep)
	}
	return nil
}
