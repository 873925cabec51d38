package load

import "context"

// The two MCP patterns real clients use.
const (
	// ScenarioSession: one initialize per client, then tools/call after
	// tools/call in that session (Claude Desktop, Cursor, the go-sdk client).
	ScenarioSession = "session"
	// ScenarioLetta: every operation opens its own MCP session, as Letta
	// does: initialize, notifications/initialized, tools/call, and DELETE
	// when the server issued a session id. The whole sequence is timed.
	ScenarioLetta = "letta"
)

func init() {
	RegisterScenario(ScenarioSession, sessionScenario{})
	RegisterScenario(ScenarioLetta, lettaScenario{})
}

type sessionScenario struct{}

func (sessionScenario) NewWorker(ctx context.Context, c *Client) (Worker, error) {
	s, err := c.Initialize(ctx)
	if err != nil {
		return nil, err
	}
	return &sessionWorker{c: c, s: s}, nil
}

type sessionWorker struct {
	c *Client
	s Session
}

func (w *sessionWorker) Do(ctx context.Context) error { return w.c.CallTool(ctx, w.s) }
func (w *sessionWorker) Close(ctx context.Context)    { w.c.Close(ctx, w.s) }

type lettaScenario struct{}

func (lettaScenario) NewWorker(ctx context.Context, c *Client) (Worker, error) {
	return lettaWorker{c}, nil
}

type lettaWorker struct{ c *Client }

func (w lettaWorker) Do(ctx context.Context) error {
	s, err := w.c.Initialize(ctx)
	if err != nil {
		return err
	}
	callErr := w.c.CallTool(ctx, s)
	closeErr := w.c.Close(ctx, s)
	if w.c.fresh {
		w.c.closeIdle()
	}
	if callErr != nil {
		return callErr
	}
	return closeErr
}

func (lettaWorker) Close(context.Context) {}
