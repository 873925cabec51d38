// Package testbin builds the odoo-mcp binary once per test process and runs
// `odoo-mcp serve` as a child, as a deployment would: for the end-to-end
// tests (e2e, e2e/realletta), which drive it over HTTP. The load tool
// (e2e/load) keeps its own process handling: it runs outside tests and
// measures its children.
package testbin

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/internal/lockedbuf"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Build builds the command package at pkgDir (a path relative to the
// test's directory, e.g. "../cmd/odoo-mcp") once per process and returns
// the binary's path.
func Build(t testing.TB, pkgDir string) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "odoo-mcp-test")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "odoo-mcp")
		out, err := exec.Command("go", "build", "-o", binPath, pkgDir).CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build %s: %v\n%s", pkgDir, err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// Remove deletes the built binary; TestMain calls it after the tests ran.
func Remove() {
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
}

// FreeAddr picks a loopback address for a child to listen on.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Process is a running odoo-mcp.
type Process struct {
	URL    string // http://127.0.0.1:port
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has exited
	err    error         // its exit error, valid once exited is closed
	grace  time.Duration
	stdout lockedbuf.Buffer
	stderr lockedbuf.Buffer
}

// Logs returns everything the process wrote to stderr (its log) so far.
func (p *Process) Logs() string { return p.stderr.String() }

// Stdout returns everything the process wrote to stdout so far.
func (p *Process) Stdout() string { return p.stdout.String() }

// Exited is closed when the process has exited; ExitErr is then its
// exit error.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// ExitErr is the process's exit error, once Exited is closed.
func (p *Process) ExitErr() error { return p.err }

// Signal sends sig to the process.
func (p *Process) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// PID is the process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Stop asks the process to stop (SIGINT) and kills it after its grace
// period. Stopping a stopped process does nothing.
func (p *Process) Stop() {
	select {
	case <-p.exited:
		return
	default:
	}
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.exited:
	case <-time.After(p.grace):
		p.cmd.Process.Kill()
		<-p.exited
	}
}

// Options say how to run `odoo-mcp serve`.
type Options struct {
	Bin  string   // the binary (Build)
	Addr string   // where it listens ("": FreeAddr)
	Env  []string // appended to this process's environment (later wins)
	Args []string // after serve --listen <addr> --log-format json --log-level debug
	// HealthyWithin bounds the wait for /healthz (default 15 s);
	// StopGrace the wait between SIGINT and SIGKILL (default 10 s).
	HealthyWithin, StopGrace time.Duration
	// OnFailure, when set, runs at cleanup if the test failed (after the
	// process's log was written to the test's log).
	OnFailure func()
}

// Serve runs `odoo-mcp serve`, waits until /healthz answers 200, and stops
// the process when the test ends (its log goes to the test's log if the
// test failed).
func Serve(t testing.TB, o Options) *Process {
	t.Helper()
	if o.Addr == "" {
		o.Addr = FreeAddr(t)
	}
	if o.HealthyWithin == 0 {
		o.HealthyWithin = 15 * time.Second
	}
	if o.StopGrace == 0 {
		o.StopGrace = 10 * time.Second
	}
	p := &Process{URL: "http://" + o.Addr, exited: make(chan struct{}), grace: o.StopGrace}
	p.cmd = exec.Command(o.Bin, append([]string{"serve", "--listen", o.Addr, "--log-format", "json", "--log-level", "debug"}, o.Args...)...)
	p.cmd.Env = append(os.Environ(), o.Env...)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("odoo-mcp log:\n%s", Tail(p.Logs(), 20000))
			if o.OnFailure != nil {
				o.OnFailure()
			}
		}
	})
	deadline := time.Now().Add(o.HealthyWithin)
	for {
		select {
		case <-p.exited:
			t.Fatalf("odoo-mcp exited early: %v\n%s", p.err, p.Logs())
		default:
		}
		resp, err := http.Get(p.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("odoo-mcp did not become healthy within %s:\n%s", o.HealthyWithin, p.Logs())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// WaitForLog waits until the process logged a line containing s.
func WaitForLog(t testing.TB, p *Process, s string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !strings.Contains(p.Logs(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("odoo-mcp did not log %q within %s:\n%s", s, within, Tail(p.Logs(), 4000))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Tail is the last n bytes of s, marked as cut.
func Tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
