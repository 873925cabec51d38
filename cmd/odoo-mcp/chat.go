package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mattn/go-isatty"

	"github.com/odoo-mcp/odoo-mcp/internal/redact"
	"github.com/odoo-mcp/odoo-mcp/letta/threads"
	"github.com/odoo-mcp/odoo-mcp/requestid"
)

const chatUsage = `Usage: odoo-mcp chat --thread ID [flags] [message]

Talks to a chat thread of a running odoo-mcp (its thread API, Letta behind
it) as the Odoo user of ODOO_LOGIN and ODOO_API_KEY (on Odoo 19+
ODOO_API_KEY alone works). The answer is streamed to standard output as it
comes; tool calls, their results and notes go to standard error.

With a message (the remaining arguments, or "-" to read it from standard
input), sends it and exits. Without, keeps a prompt open: one message per
line, until end of input or /quit.

The thread is used as it is. With --model (or any other declaration flag)
it is declared first: created if it does not exist, changed to match if it
does (a declaration flag without --model keeps the thread's model).

Flags:
`

// chatCmd is one `odoo-mcp chat` run.
type chatCmd struct {
	base   string // the server's URL, without a trailing slash
	thread string
	auth   string
	http   *http.Client
	out    io.Writer // the answer
	info   io.Writer // everything else

	midLine bool // the answer's last line is not finished
}

// runChat is `odoo-mcp chat`: 0 when every message was answered, 1 when a
// request or a run failed, 2 for bad usage or configuration.
func runChat(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var (
		serverURL, thread, model, embedding, system, tools string
		temperature                                        float64
	)
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := &envFlags{fs: fs}
	f.String(&serverURL, "url", "ODOO_MCP_URL", "http://127.0.0.1:8808", "URL of the odoo-mcp server")
	fs.StringVar(&thread, "thread", "", "the thread's id (required)")
	fs.StringVar(&model, "model", "", "declare the thread with this Letta model handle, e.g. openai/gpt-4o-mini (creates it if needed)")
	fs.StringVar(&tools, "tools", "", "declare the thread with these comma-separated tools, e.g. odoo_record_retriever,odoo_model_inspector (\"none\": no tool)")
	fs.StringVar(&system, "system", "", "declare the thread with this system prompt")
	fs.StringVar(&embedding, "embedding", "", "declare the thread with this Letta embedding handle")
	fs.Float64Var(&temperature, "temperature", 0, "declare the thread with this temperature (0 to 2)")
	fs.Usage = func() {
		fmt.Fprint(stderr, chatUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })

	var problems []string
	if thread == "" {
		problems = append(problems, "--thread is required")
	}
	u, _ := url.Parse(strings.TrimRight(strings.TrimSpace(serverURL), "/"))
	if err := checkURL("--url (ODOO_MCP_URL)", serverURL, "http://127.0.0.1:8808"); err != nil {
		problems = append(problems, err.Error())
	}
	cred := credentialFromEnv()
	if !cred.Set() {
		problems = append(problems, errMissingCredential.Error())
	}
	if len(problems) > 0 {
		fmt.Fprintf(stderr, "odoo-mcp chat: %s\n", strings.Join(problems, "\nodoo-mcp chat: "))
		return 2
	}

	c := &chatCmd{base: u.String(), thread: thread, auth: cred.Authorization(), out: stdout, info: stderr,
		http: &http.Client{Transport: http.DefaultTransport}}

	var spec *threads.Spec
	if set["model"] || set["tools"] || set["system"] || set["embedding"] || set["temperature"] {
		spec = &threads.Spec{Model: model}
		if set["tools"] {
			list := splitList(tools)
			if len(list) == 1 && list[0] == "none" {
				list = []string{}
			}
			spec.Tools = &list
		}
		if set["system"] {
			spec.System = &system
		}
		if set["embedding"] {
			spec.Embedding = &embedding
		}
		if set["temperature"] {
			spec.Temperature = &temperature
		}
	}
	if err := c.open(ctx, spec); err != nil {
		fmt.Fprintf(stderr, "odoo-mcp chat: %v\n", err)
		return 1
	}

	if msg := strings.Join(fs.Args(), " "); msg != "" {
		if msg == "-" {
			b, err := io.ReadAll(stdin)
			if err != nil {
				fmt.Fprintf(stderr, "odoo-mcp chat: reading the message: %v\n", err)
				return 1
			}
			msg = string(b)
		}
		if err := c.send(ctx, msg); err != nil {
			fmt.Fprintf(stderr, "odoo-mcp chat: %v\n", err)
			return 1
		}
		return 0
	}
	return c.prompt(ctx, stdin)
}

// prompt reads messages, one a line, until end of input or /quit.
func (c *chatCmd) prompt(ctx context.Context, stdin io.Reader) int {
	f, ok := stdin.(*os.File)
	interactive := ok && isatty.IsTerminal(f.Fd())
	if interactive {
		fmt.Fprintln(c.info, "One message a line; /quit or Ctrl-D to leave.")
	}
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	code := 0
	for {
		if interactive {
			fmt.Fprint(c.info, "> ")
		}
		if !sc.Scan() {
			break
		}
		line := strings.TrimSpace(sc.Text())
		switch line {
		case "":
			continue
		case "/quit", "/exit":
			return code
		}
		if err := c.send(ctx, line); err != nil {
			fmt.Fprintf(c.info, "odoo-mcp chat: %v\n", err)
			code = 1
			if ctx.Err() != nil {
				return code
			}
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(c.info, "odoo-mcp chat: reading standard input: %v\n", err)
		return 1
	}
	if interactive {
		fmt.Fprintln(c.info)
	}
	return code
}

// apiError is an error answer of the thread API.
type apiError struct {
	Status    int
	Code      string   `json:"error"`
	Message   string   `json:"message"`
	Valid     []string `json:"valid"`
	RequestID string
}

func (e *apiError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	s := fmt.Sprintf("%s (HTTP %d", msg, e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.RequestID != "" {
		s += ", request id " + e.RequestID
	}
	s += ")"
	if len(e.Valid) > 0 {
		s += "\n  valid: " + strings.Join(e.Valid, ", ")
	}
	return s
}

// do sends one request of the thread API; a non-2xx answer is an *apiError.
func (c *chatCmd) do(ctx context.Context, method, path string, body any, accept string) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", c.auth)
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", "odoo-mcp-chat/"+version)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, fmt.Errorf("%s %s: %w (is odoo-mcp serve running there, with LETTA_BASE_URL?)", method, redact.URL(c.base)+path, err)
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		e := &apiError{Status: resp.StatusCode, RequestID: resp.Header.Get(requestid.Header)}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		json.Unmarshal(b, e)
		if e.Status == http.StatusNotFound && e.Code == "" {
			// Not the thread API's own 404 (which names its error).
			e.Message = "no thread API at " + redact.URL(c.base) + " (odoo-mcp serves it when LETTA_BASE_URL is set)"
		}
		return nil, e
	}
	return resp, nil
}

func (c *chatCmd) threadPath() string { return "/api/v1/threads/" + url.PathEscape(c.thread) }

// open makes sure the thread exists, declaring it when spec is given, and
// says what it is.
func (c *chatCmd) open(ctx context.Context, spec *threads.Spec) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	var th threads.Thread
	if spec == nil || spec.Model == "" {
		resp, err := c.do(ctx, http.MethodGet, c.threadPath(), nil, "application/json")
		var ae *apiError
		if errors.As(err, &ae) && ae.Status == http.StatusNotFound && ae.Code != "" {
			return c.notFound(ctx)
		}
		if err != nil {
			return err
		}
		err = json.NewDecoder(resp.Body).Decode(&th)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("reading the thread: %w", err)
		}
		if spec == nil {
			fmt.Fprintf(c.info, "thread %s: %s\n", c.thread, describeThread(&th))
			return nil
		}
		spec.Model = th.Model
	}
	resp, err := c.do(ctx, http.MethodPut, c.threadPath(), spec, "application/json")
	if err != nil {
		return fmt.Errorf("declaring the thread: %w", err)
	}
	err = json.NewDecoder(resp.Body).Decode(&th)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("reading the thread: %w", err)
	}
	what := "unchanged"
	switch {
	case th.Created:
		what = "created"
	case len(th.Changed) > 0:
		what = "changed " + strings.Join(th.Changed, ", ")
	}
	fmt.Fprintf(c.info, "thread %s %s: %s\n", c.thread, what, describeThread(&th))
	for _, w := range th.Warnings {
		fmt.Fprintf(c.info, "  warning: %s\n", w)
	}
	return nil
}

func describeThread(th *threads.Thread) string {
	tools := "no tools"
	if len(th.Tools) > 0 {
		tools = "tools " + strings.Join(th.Tools, ", ")
	}
	return fmt.Sprintf("model %s, %s, agent %s", th.Model, tools, th.AgentID)
}

// notFound explains that the thread must be declared, with the models to
// choose from.
func (c *chatCmd) notFound(ctx context.Context) error {
	msg := fmt.Sprintf("thread %s does not exist: create it with --model", c.thread)
	resp, err := c.do(ctx, http.MethodGet, "/api/v1/models", nil, "application/json")
	if err != nil {
		return errors.New(msg)
	}
	defer resp.Body.Close()
	var ms threads.Models
	if json.NewDecoder(resp.Body).Decode(&ms) != nil || len(ms.Models) == 0 {
		return errors.New(msg)
	}
	var handles []string
	for _, m := range ms.Models {
		handles = append(handles, m.Handle)
	}
	return fmt.Errorf("%s, one of: %s", msg, strings.Join(handles, ", "))
}

// send posts one message and shows the run as it streams.
func (c *chatCmd) send(ctx context.Context, msg string) error {
	resp, err := c.do(ctx, http.MethodPost, c.threadPath()+"/messages", threads.Message{Content: msg}, "text/event-stream")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	rid := resp.Header.Get(requestid.Header)
	failed, done := "", false
	err = readSSE(resp.Body, func(event string, data []byte) {
		switch event {
		case "content":
			var d threads.ContentData
			if json.Unmarshal(data, &d) == nil && d.Text != "" {
				fmt.Fprint(c.out, d.Text)
				c.midLine = !strings.HasSuffix(d.Text, "\n")
			}
		case "tool_call":
			var d threads.ToolCallData
			if json.Unmarshal(data, &d) == nil {
				args, _ := json.Marshal(d.Arguments)
				c.note("→ %s %s", d.Name, compact(string(args), 200))
			}
		case "tool_return":
			var d threads.ToolReturnData
			if json.Unmarshal(data, &d) == nil {
				status := "ok"
				if d.Status != "success" {
					status = d.Status
				}
				c.note("← %s %s: %s", d.Name, status, compact(d.Content, 200))
			}
		case "usage":
			var d threads.UsageData
			if json.Unmarshal(data, &d) == nil {
				c.note("(%d tokens, %d %s)", d.TotalTokens, d.Steps, plural(d.Steps, "step", "steps"))
			}
		case "error":
			var d threads.ErrorData
			if json.Unmarshal(data, &d) == nil {
				failed = d.Message
				c.note("error: %s", d.Message)
			}
		case "done":
			done = true
			var d threads.DoneData
			if json.Unmarshal(data, &d) == nil && d.FinishReason != "stop" && d.FinishReason != "" {
				c.note("(finished: %s)", d.FinishReason)
				if failed == "" && d.FinishReason == "error" {
					failed = "the run failed"
				}
			}
		}
	})
	c.endLine()
	switch {
	case err != nil:
		return fmt.Errorf("the answer was cut off: %v (request id %s)", err, rid)
	case failed != "":
		return fmt.Errorf("the run failed: %s (request id %s)", failed, rid)
	case !done:
		return fmt.Errorf("the answer ended early (request id %s)", rid)
	}
	return nil
}

// note prints a line about the run (not part of the answer).
func (c *chatCmd) note(format string, a ...any) {
	c.endLine()
	fmt.Fprintf(c.info, "  "+format+"\n", a...)
}

// endLine finishes the answer's current line.
func (c *chatCmd) endLine() {
	if c.midLine {
		fmt.Fprintln(c.out)
		c.midLine = false
	}
}

// compact puts s on one line, at most n characters.
func compact(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// readSSE calls fn for each event of a text/event-stream body, as it
// arrives; comments (keep-alives) are skipped.
func readSSE(r io.Reader, fn func(event string, data []byte)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		event string
		data  bytes.Buffer
	)
	for {
		line, err := br.ReadString('\n')
		if err != nil && (line == "" || err != io.EOF) {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		line = strings.TrimRight(line, "\r\n")
		switch {
		case line == "":
			if data.Len() > 0 || event != "" {
				fn(event, bytes.TrimSuffix(data.Bytes(), []byte("\n")))
			}
			event = ""
			data.Reset()
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "event:"):
			event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			data.WriteString(strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
			data.WriteByte('\n')
		}
		if err != nil {
			return nil
		}
	}
}
