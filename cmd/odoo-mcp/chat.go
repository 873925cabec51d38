package main

import (
	"bufio"
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

	"github.com/odoo-mcp/odoo-mcp/letta/threads"
	"github.com/odoo-mcp/odoo-mcp/letta/threads/threadclient"
)

const chatUsage = `Usage: odoo-mcp chat --thread ID [flags] [message]

Talks to a chat thread of a running odoo-mcp (its thread API, Letta behind
it) as the Odoo user of ODOO_LOGIN and ODOO_API_KEY (on Odoo 19+
ODOO_API_KEY alone works). The answer is streamed to standard output as it
comes; tool calls, their results and notes go to standard error.

With a message (the remaining arguments, or "-" to read it from standard
input), sends it and exits. Without, shows the last messages of an
existing thread (--history) and keeps a prompt open: one message per line,
until end of input or /quit.

The thread is used as it is. With --model (or any other declaration flag)
it is declared first: created if it does not exist, changed to match if it
does (a declaration flag without --model keeps the thread's model).

Flags:
`

// chatCmd is one `odoo-mcp chat` run.
type chatCmd struct {
	api    *threadclient.Client
	thread string
	out    io.Writer // the answer
	info   io.Writer // everything else

	history int // entries of an existing thread to show before the prompt

	midLine bool // the answer's last line is not finished
	// ask puts a question at the prompt and reads the answer (nil when
	// messages come from the command line: approvals are then only shown).
	ask func(question string) (string, bool)
}

// runChat is `odoo-mcp chat`: 0 when every message was answered, 1 when a
// request or a run failed, 2 for bad usage or configuration.
func runChat(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var (
		serverURL, thread, model, embedding, system, tools string
		temperature                                        float64
		history                                            int
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
	fs.IntVar(&history, "history", 6, "at the prompt, first show this many of an existing thread's last messages (0: none; at most 200)")
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
	urlErr := checkURL("--url (ODOO_MCP_URL)", serverURL, "http://127.0.0.1:8808")
	if urlErr != nil {
		problems = append(problems, urlErr.Error())
	}
	if history < 0 || history > 200 {
		problems = append(problems, "--history must be from 0 to 200")
	}
	cred := credentialFromEnv()
	api, err := threadclient.New(serverURL, cred.Authorization(),
		threadclient.Options{HTTPClient: &http.Client{Transport: http.DefaultTransport}, UserAgent: "odoo-mcp-chat/" + version})
	if err != nil && urlErr == nil {
		problems = append(problems, err.Error())
	}
	if !cred.Set() {
		problems = append(problems, errMissingCredential.Error())
	}
	if len(problems) > 0 {
		fmt.Fprintf(stderr, "odoo-mcp chat: %s\n", strings.Join(problems, "\nodoo-mcp chat: "))
		return 2
	}

	c := &chatCmd{api: api, thread: thread, out: stdout, info: stderr, history: history}
	if len(fs.Args()) > 0 {
		c.history = 0 // one message: its answer alone
	}

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
	c.ask = func(question string) (string, bool) {
		fmt.Fprint(c.info, question)
		if !sc.Scan() {
			return "", false
		}
		return sc.Text(), true
	}
	defer func() { c.ask = nil }()
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

// open makes sure the thread exists, declaring it when spec is given, and
// says what it is.
func (c *chatCmd) open(ctx context.Context, spec *threads.Spec) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if spec == nil || spec.Model == "" {
		th, err := c.api.Get(ctx, c.thread)
		var ae *threadclient.Error
		if errors.As(err, &ae) && ae.Status == http.StatusNotFound && ae.Code != "" {
			return c.notFound(ctx)
		}
		if err != nil {
			return err
		}
		if spec == nil {
			fmt.Fprintf(c.info, "thread %s: %s\n", c.thread, describeThread(th))
			c.recent(ctx)
			return nil
		}
		spec.Model = th.Model
	}
	th, err := c.api.Declare(ctx, c.thread, *spec)
	if err != nil {
		return fmt.Errorf("declaring the thread: %w", err)
	}
	what := "unchanged"
	switch {
	case th.Created:
		what = "created"
	case len(th.Changed) > 0:
		what = "changed " + strings.Join(th.Changed, ", ")
	}
	fmt.Fprintf(c.info, "thread %s %s: %s\n", c.thread, what, describeThread(th))
	for _, w := range th.Warnings {
		fmt.Fprintf(c.info, "  warning: %s\n", w)
	}
	if !th.Created {
		c.recent(ctx)
	}
	return nil
}

// recent shows the thread's last c.history entries, as the stream shows a
// turn (the answer's text here, on the information side too). A history
// that cannot be read is a note, not a failure.
func (c *chatCmd) recent(ctx context.Context) {
	if c.history <= 0 {
		return
	}
	h, err := c.api.History(ctx, c.thread, c.history, "")
	if err != nil {
		c.note("(earlier messages not shown: %v)", err)
		return
	}
	if len(h.Messages) == 0 {
		return
	}
	if h.NextBefore != nil {
		c.note("…")
	}
	for _, m := range h.Messages {
		args, _ := json.Marshal(m.Arguments)
		switch m.Role {
		case threads.RoleUser:
			c.note("you: %s", compact(m.Content, 200))
		case threads.RoleAssistant:
			c.note("agent: %s", compact(m.Content, 200))
		case threads.RoleToolCall:
			c.note("→ %s %s", m.Name, compact(string(args), 200))
		case threads.RoleToolReturn:
			status := "ok"
			if m.Status != "success" {
				status = m.Status
			}
			c.note("← %s %s: %s", m.Name, status, compact(m.Content, 200))
		case threads.RoleApprovalRequired:
			c.note("waiting for your approval: %s %s (send a message to drop it)", m.Name, compact(string(args), 200))
		}
	}
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
	ms, err := c.api.Models(ctx)
	if err != nil || len(ms.Models) == 0 {
		return errors.New(msg)
	}
	var handles []string
	for _, m := range ms.Models {
		handles = append(handles, m.Handle)
	}
	return fmt.Errorf("%s, one of: %s", msg, strings.Join(handles, ", "))
}

// send posts one message and shows the run as it streams; calls that wait
// for approval are asked at the prompt (y/n) and the answer streams on.
func (c *chatCmd) send(ctx context.Context, msg string) error {
	waiting, err := c.turn(func() (*threadclient.Stream, error) { return c.api.Send(ctx, c.thread, msg) })
	for err == nil && len(waiting) > 0 {
		if c.ask == nil {
			for _, w := range waiting {
				c.note("waiting for approval: %s (id %s); answer at the prompt, or POST /api/v1/threads/%s/approvals", w.Name, w.ID, url.PathEscape(c.thread))
			}
			return nil
		}
		var body threads.Approvals
		for _, w := range waiting {
			args, _ := json.Marshal(w.Arguments)
			answer, ok := c.ask(fmt.Sprintf("  approve %s %s? [y/N] ", w.Name, compact(string(args), 200)))
			if !ok {
				return fmt.Errorf("no answer to the approval of %s", w.Name)
			}
			yes := strings.EqualFold(strings.TrimSpace(answer), "y") || strings.EqualFold(strings.TrimSpace(answer), "yes")
			d := threads.ApprovalDecision{ID: w.ID, Approve: &yes}
			if !yes {
				d.Reason = "the user said no at the odoo-mcp chat prompt"
			}
			body.Decisions = append(body.Decisions, d)
		}
		waiting, err = c.turn(func() (*threadclient.Stream, error) { return c.api.Approve(ctx, c.thread, body) })
	}
	return err
}

// turn opens a stream (a message, or approvals) and shows it; it returns
// the calls waiting for approval, if the turn stopped for them.
func (c *chatCmd) turn(open func() (*threadclient.Stream, error)) ([]threads.ApprovalData, error) {
	stream, err := open()
	if err != nil {
		return nil, err
	}
	defer stream.Close()
	rid := stream.RequestID
	var waiting []threads.ApprovalData
	failed, done := "", false
	for {
		ev, rerr := stream.Next()
		if rerr != nil {
			if rerr != io.EOF {
				err = rerr
			}
			break
		}
		switch ev.Name {
		case threads.EventApprovalRequired:
			var d threads.ApprovalData
			if ev.Decode(&d) == nil {
				waiting = append(waiting, d)
			}
		case threads.EventContent:
			var d threads.ContentData
			if ev.Decode(&d) == nil && d.Text != "" {
				fmt.Fprint(c.out, d.Text)
				c.midLine = !strings.HasSuffix(d.Text, "\n")
			}
		case threads.EventToolCall:
			var d threads.ToolCallData
			if ev.Decode(&d) == nil {
				args, _ := json.Marshal(d.Arguments)
				c.note("→ %s %s", d.Name, compact(string(args), 200))
			}
		case threads.EventToolReturn:
			var d threads.ToolReturnData
			if ev.Decode(&d) == nil {
				status := "ok"
				if d.Status != "success" {
					status = d.Status
				}
				c.note("← %s %s: %s", d.Name, status, compact(d.Content, 200))
			}
		case threads.EventUsage:
			var d threads.UsageData
			if ev.Decode(&d) == nil {
				c.note("(%d tokens, %d %s)", d.TotalTokens, d.Steps, plural(d.Steps, "step", "steps"))
			}
		case threads.EventError:
			var d threads.ErrorData
			if ev.Decode(&d) == nil {
				failed = d.Message
				c.note("error: %s", d.Message)
			}
		case threads.EventDone:
			done = true
			var d threads.DoneData
			if ev.Decode(&d) == nil && d.FinishReason != "stop" && d.FinishReason != "" && d.FinishReason != "approval_required" {
				c.note("(finished: %s)", d.FinishReason)
				if failed == "" && d.FinishReason == "error" {
					failed = "the run failed"
				}
			}
		}
	}
	c.endLine()
	switch {
	case err != nil:
		return nil, fmt.Errorf("the answer was cut off: %v (request id %s)", err, rid)
	case failed != "":
		return nil, fmt.Errorf("the run failed: %s (request id %s)", failed, rid)
	case !done:
		return nil, fmt.Errorf("the answer ended early (request id %s)", rid)
	}
	return waiting, nil
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
