// Package realletta runs the real Letta server, installed from PyPI by
// .ci/letta-install, for end-to-end tests: one server per Letta version per
// test binary, each with its own scripted model (fakellm) and a temporary
// home, stopped by process group when the binary ends (StopAll in TestMain).
//
// # What the harness does
//
//   - LETTA_VENVS (set by .ci/run to .tools/letta) holds a virtual
//     environment per version (0.16.8, 0.16.6, 0.11.7), each with the
//     dependencies of that release's uv.lock (.ci/letta/constraints-*.txt).
//     Unset: the tests skip with a message (CI=true: they fail).
//   - The model: every server gets OPENAI_API_KEY=x and OPENAI_BASE_URL
//     pointing at its own fakellm.Server, which lists one model,
//     gpt-4o-mini. 0.16.x names it openai-proxy/gpt-4o-mini and offers
//     openai/text-embedding-3-small; 0.11.7 cannot resolve openai-proxy/…
//     handles from its provider, so the harness writes
//     ~/.letta/llm_configs/gpt-4o-mini.json (Letta's own local-config
//     mechanism) for that handle; it offers no OpenAI embeddings for a custom
//     base URL (Server.Embedding says which handle to use).
//   - The database: 0.11.7 uses its embedded SQLite under the temporary home.
//     0.12 and later need PostgreSQL with pgvector: the harness runs the
//     postgres bundled in the PyPI package pgserver (installed into the 0.16
//     venvs), once per test binary on a loopback port, as user nobody when run
//     as root (postgres refuses root); per Letta server a database with
//     CREATE EXTENSION vector and Letta's ORM schema
//     (letta.orm.Base.metadata.create_all; the wheel ships no migrations),
//     plus the one thing the ORM leaves to a migration: the sequence behind
//     messages.sequence_id (alembic revision e991d2e3b428).
//   - Offline: TIKTOKEN_CACHE_DIR points at $LETTA_VENVS/tiktoken (BPE files
//     made from the npm package js-tiktoken by .ci/letta-install);
//     HTTP_PROXY/HTTPS_PROXY are a closed loopback port with NO_PROXY for
//     loopback, so every other outbound request (0.16's nltk punkt_tab
//     download at start, Letta's telemetry) fails at once instead of hanging.
package realletta

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/fakellm"
	"github.com/odoo-mcp/odoo-mcp/internal/lockedbuf"
	"github.com/odoo-mcp/odoo-mcp/internal/testbin"
)

// Versions are the Letta versions the harness knows, newest first.
var Versions = []string{"0.16.8", "0.16.6", "0.11.7"}

const (
	// Model is the handle of the scripted model on every version.
	Model = "openai-proxy/" + fakellm.DefaultModel
	// startTimeout bounds a server's start: importing Letta takes 10-40 s on
	// a loaded 2-core machine.
	startTimeout = 4 * time.Minute
)

// Server is a running real Letta server.
type Server struct {
	Version string
	// URL is Letta's base URL, http://127.0.0.1:<port>.
	URL string
	// LLM is this server's scripted model; LLMURL its base URL (…/v1).
	LLM    *fakellm.Server
	LLMURL string
	// Embedding is an embedding handle the server offers: 0.16.x
	// openai/text-embedding-3-small (served by the scripted model); 0.11.7
	// lists no OpenAI embeddings for a custom base URL and no local embedding
	// configs, so letta/letta-free (never called by these tests: its
	// endpoint is outside and fails fast through the closed proxy).
	Embedding string

	home    string
	cmd     *exec.Cmd
	exited  chan struct{}
	llmSrv  *http.Server
	logPath string
}

// Logs returns what the server wrote so far (its last 64 KiB).
func (s *Server) Logs() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return err.Error()
	}
	if len(b) > 64<<10 {
		b = b[len(b)-64<<10:]
	}
	return string(b)
}

var (
	mu      sync.Mutex
	servers = map[string]*Server{}
	failed  = map[string]error{}
	pg      *postgres
	pgErr   error
	dbSeq   int
)

// Venvs returns LETTA_VENVS, or skips the test (fails it under CI=true).
func Venvs(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("LETTA_VENVS")
	if dir == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but LETTA_VENVS is not set: .ci/run must run .ci/letta-install and export LETTA_VENVS")
		}
		t.Skip("LETTA_VENVS is not set: these tests run the real Letta server; run .ci/letta-install and export LETTA_VENVS=<the directory it prints> (.ci/run does)")
	}
	return dir
}

// Shared returns the server of version for this test binary, starting it on
// first use. The test is skipped when LETTA_VENVS is unset and fails when
// the version is not installed or does not start.
func Shared(t testing.TB, version string) *Server {
	t.Helper()
	venvs := Venvs(t)
	mu.Lock()
	defer mu.Unlock()
	if s := servers[version]; s != nil {
		return s
	}
	if err := failed[version]; err != nil {
		t.Fatalf("Letta %s failed to start earlier in this test binary: %v", version, err)
	}
	s, err := start(venvs, version)
	if err != nil {
		failed[version] = err
		t.Fatalf("starting Letta %s: %v", version, err)
	}
	servers[version] = s
	return s
}

// StopAll stops every server and the PostgreSQL this binary started. Call it
// from TestMain after m.Run.
func StopAll() {
	mu.Lock()
	defer mu.Unlock()
	for v, s := range servers {
		s.stop()
		delete(servers, v)
	}
	if pg != nil {
		pg.stop()
		pg = nil
	}
}

func (s *Server) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		// The server runs in its own process group: uvicorn's workers and
		// anything Letta spawned go with it.
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(15 * time.Second):
			syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
			<-s.exited
		}
	}
	if s.llmSrv != nil {
		s.llmSrv.Close()
	}
	if os.Getenv("REALLETTA_KEEP") == "" {
		os.RemoveAll(s.home)
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// usesPostgres says whether a version needs PostgreSQL (0.12.0 removed SQLite).
func usesPostgres(version string) bool {
	return !strings.HasPrefix(version, "0.11.") && !strings.HasPrefix(version, "0.10.")
}

func start(venvs, version string) (*Server, error) {
	venv := filepath.Join(venvs, version)
	letta := filepath.Join(venv, "bin", "letta")
	if _, err := os.Stat(letta); err != nil {
		return nil, fmt.Errorf("%s is not installed (%v): run .ci/letta-install", version, err)
	}
	home, err := os.MkdirTemp("", "realletta-"+version+"-")
	if err != nil {
		return nil, err
	}
	s := &Server{Version: version, home: home, logPath: filepath.Join(home, "server.log"), Embedding: "openai/text-embedding-3-small"}
	if !usesPostgres(version) {
		s.Embedding = "letta/letta-free"
	}

	// The scripted model, on a loopback port of its own.
	s.LLM = fakellm.New(fakellm.Options{Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.LLMURL = "http://" + ln.Addr().String() + "/v1"
	s.llmSrv = &http.Server{Handler: s.LLM, ReadHeaderTimeout: 10 * time.Second}
	go s.llmSrv.Serve(ln)

	env := baseEnv()
	env = append(env,
		"HOME="+home,
		"OPENAI_API_KEY=x",
		"OPENAI_BASE_URL="+s.LLMURL,
		"TIKTOKEN_CACHE_DIR="+filepath.Join(venvs, "tiktoken"),
		"HTTP_PROXY=http://127.0.0.1:9", "HTTPS_PROXY=http://127.0.0.1:9",
		"http_proxy=http://127.0.0.1:9", "https_proxy=http://127.0.0.1:9",
		"NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost",
		"LETTA_TELEMETRY_DISABLED=true",
		"PYTHONUNBUFFERED=1",
	)
	if usesPostgres(version) {
		uri, err := database(venvs, venv, version)
		if err != nil {
			s.stop()
			return nil, err
		}
		env = append(env, "LETTA_PG_URI="+uri)
	} else if err := writeLocalConfigs(home, s.LLMURL); err != nil {
		s.stop()
		return nil, err
	}

	port, err := freePort()
	if err != nil {
		s.stop()
		return nil, err
	}
	s.URL = "http://127.0.0.1:" + strconv.Itoa(port)
	logf, err := os.Create(s.logPath)
	if err != nil {
		s.stop()
		return nil, err
	}
	s.cmd = exec.Command(letta, "server", "--host", "127.0.0.1", "--port", strconv.Itoa(port))
	s.cmd.Dir = home
	s.cmd.Env = env
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	// Pdeathsig: a test binary killed by its timeout runs no cleanup; the
	// server must not outlive it.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		s.stop()
		return nil, err
	}
	s.exited = make(chan struct{})
	go func() { s.cmd.Wait(); logf.Close(); close(s.exited) }()
	if err := waitHealthy(s); err != nil {
		logs := s.Logs()
		s.stop()
		return nil, fmt.Errorf("%v\nlast server output:\n%s", err, tail(logs, 4000))
	}
	return s, nil
}

// baseEnv is the test process's environment without what would point Letta
// elsewhere (a developer's LETTA_*, OPENAI_* or proxy settings).
func baseEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		ku := strings.ToUpper(k)
		if strings.HasPrefix(ku, "LETTA_") || strings.HasPrefix(ku, "OPENAI_") || strings.HasSuffix(ku, "_PROXY") || ku == "HOME" || ku == "TIKTOKEN_CACHE_DIR" {
			continue
		}
		out = append(out, kv)
	}
	return out
}

func waitHealthy(s *Server) error {
	deadline := time.Now().Add(startTimeout)
	client := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("letta server %s exited during start", s.Version)
		default:
		}
		resp, err := client.Get(s.URL + "/v1/health/")
		if err == nil {
			var h struct{ Version, Status string }
			json.NewDecoder(resp.Body).Decode(&h)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				if h.Version != s.Version {
					return fmt.Errorf("the server at %s says it is Letta %q, want %s", s.URL, h.Version, s.Version)
				}
				return nil
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("letta server %s did not answer /v1/health/ within %s", s.Version, startTimeout)
}

// writeLocalConfigs gives 0.11.7 the handles of the scripted model (see the
// package documentation).
func writeLocalConfigs(home, llmURL string) error {
	files := map[string]any{
		filepath.Join(home, ".letta", "llm_configs", fakellm.DefaultModel+".json"): map[string]any{
			"model": fakellm.DefaultModel, "model_endpoint_type": "openai", "model_endpoint": llmURL,
			"context_window": 128000, "handle": Model, "put_inner_thoughts_in_kwargs": true,
		},
	}
	for path, v := range files {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		b, _ := json.MarshalIndent(v, "", "  ")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// copyTree copies a directory (files, modes, symlinks), readable and, for
// executables, runnable by all.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		to := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		case info.Mode()&os.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(target, to)
		default:
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			perm := info.Mode().Perm() | 0o444
			if perm&0o111 != 0 {
				perm |= 0o111 // executables for everyone, nobody included
			}
			return os.WriteFile(to, b, perm)
		}
	})
}

// postgres is the PostgreSQL with pgvector shared by this binary's 0.12+ servers.
type postgres struct {
	bin    string
	dir    string
	port   int
	cmd    *exec.Cmd
	exited chan struct{}
}

func (p *postgres) stop() {
	if p.cmd != nil && p.cmd.Process != nil {
		// SIGINT: postgres's "fast" shutdown.
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGINT)
		select {
		case <-p.exited:
		case <-time.After(15 * time.Second):
			syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.exited
		}
	}
	os.RemoveAll(p.dir)
}

// asPostgresUser runs cmd as nobody when this process is root.
func asPostgresUser(cmd *exec.Cmd) error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		return fmt.Errorf("postgres refuses to run as root and there is no user nobody: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	return nil
}

func chownForPostgres(path string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		return err
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return os.Chown(path, uid, gid)
}

// startPostgres starts pgserver's bundled postgres from venv.
func startPostgres(venv string) (*postgres, error) {
	matches, _ := filepath.Glob(filepath.Join(venv, "lib", "python3.*", "site-packages", "pgserver", "pginstall", "bin"))
	if len(matches) == 0 {
		return nil, fmt.Errorf("no pgserver in %s: run .ci/letta-install", venv)
	}
	p := &postgres{bin: matches[0]}
	dir, err := os.MkdirTemp("", "realletta-pg-")
	if err != nil {
		return nil, err
	}
	p.dir = dir
	if err := chownForPostgres(dir); err != nil {
		return nil, err
	}
	// As root, postgres runs as nobody, who may not be able to reach the
	// venv (a checkout under a private directory): then run a copy.
	probe := exec.Command(filepath.Join(p.bin, "postgres"), "--version")
	probe.Dir = dir
	if err := asPostgresUser(probe); err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 && probe.Run() != nil {
		install := filepath.Join(dir, "pginstall")
		if err := copyTree(filepath.Dir(p.bin), install); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("copying postgres where user nobody can run it: %w", err)
		}
		p.bin = filepath.Join(install, "bin")
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(p.bin, "initdb"), "-D", data, "-U", "letta", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync")
	initdb.Dir = dir // a working directory user nobody can enter
	if err := asPostgresUser(initdb); err != nil {
		return nil, err
	}
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	p.port = port
	p.cmd = exec.Command(filepath.Join(p.bin, "postgres"), "-D", data, "-p", strconv.Itoa(port), "-h", "127.0.0.1", "-k", dir,
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200")
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGQUIT}
	p.cmd.Dir = dir
	if err := asPostgresUser(p.cmd); err != nil {
		return nil, err
	}
	// One writer for both: exec then hands PostgreSQL one descriptor, and
	// its output is named when it does not start.
	logs := &lockedbuf.Buffer{Max: 1 << 20}
	p.cmd.Stdout, p.cmd.Stderr = logs, logs
	if err := p.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	p.exited = make(chan struct{})
	go func() { p.cmd.Wait(); close(p.exited) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if err := p.psql("postgres", "SELECT 1"); err == nil {
			return p, nil
		}
		select {
		case <-p.exited:
			os.RemoveAll(dir)
			return nil, fmt.Errorf("postgres exited during start:\n%s", tail(logs.String(), 4000))
		default:
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("postgres did not accept connections within 60 s:\n%s", tail(logs.String(), 4000))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (p *postgres) psql(db, sql string) error {
	cmd := exec.Command(filepath.Join(p.bin, "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", strconv.Itoa(p.port), "-U", "letta", "-d", db, "-c", sql)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("psql %q: %v: %s", sql, err, out)
	}
	return nil
}

// createSchema runs Letta's ORM create_all in the version's venv.
const createSchema = `
import os, sqlalchemy as sa
from letta.orm import Base
engine = sa.create_engine(os.environ["LETTA_PG_URI"].replace("postgresql://", "postgresql+pg8000://", 1))
Base.metadata.create_all(engine)
# What the ORM leaves to a migration (alembic e991d2e3b428): messages.sequence_id
# is filled by the database from a sequence.
with engine.begin() as c:
    c.exec_driver_sql("CREATE SEQUENCE IF NOT EXISTS message_seq_id START 1")
    c.exec_driver_sql("ALTER TABLE messages ALTER COLUMN sequence_id SET DEFAULT nextval('message_seq_id'::regclass)")
print(len(Base.metadata.tables), "tables")
`

// database makes a fresh Letta database for one server and returns its URI.
func database(venvs, venv, version string) (string, error) {
	if pg == nil && pgErr == nil {
		pg, pgErr = startPostgres(venv)
	}
	if pgErr != nil {
		return "", pgErr
	}
	dbSeq++
	name := fmt.Sprintf("letta_%s_%d", strings.ReplaceAll(version, ".", "_"), dbSeq)
	if err := pg.psql("postgres", "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	if err := pg.psql(name, "CREATE EXTENSION IF NOT EXISTS vector"); err != nil {
		return "", err
	}
	uri := fmt.Sprintf("postgresql://letta@127.0.0.1:%d/%s", pg.port, name)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(venv, "bin", "python"), "-c", createSchema)
	cmd.Env = append(baseEnv(), "LETTA_PG_URI="+uri, "HOME="+os.TempDir(), "TIKTOKEN_CACHE_DIR="+filepath.Join(venvs, "tiktoken"),
		"HTTP_PROXY=http://127.0.0.1:9", "HTTPS_PROXY=http://127.0.0.1:9", "NO_PROXY=127.0.0.1,localhost")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("creating Letta %s's schema (Base.metadata.create_all): %v\n%s", version, err, tail(string(out), 3000))
	}
	return uri, nil
}

func tail(s string, n int) string { return testbin.Tail(s, n) }
