package odoorpc

import (
	"errors"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"unicode"
)

// Sentinel errors, one per kind of Odoo failure. An *Error unwraps to the
// sentinel of its kind, so callers test with errors.Is and never parse text.
var (
	ErrAccessDenied     = errors.New("access denied")            // wrong login, password or API key
	ErrAccessError      = errors.New("access error")             // ACLs or record rules refused the operation
	ErrUserError        = errors.New("user error")               // a business rule refused the operation
	ErrValidation       = errors.New("validation failed")        // ValidationError, constraints
	ErrMissing          = errors.New("record missing")           // MissingError
	ErrUnknownModel     = errors.New("unknown model")            // no such model
	ErrUnknownMethod    = errors.New("unknown method")           // no such method on the model
	ErrPrivateMethod    = errors.New("private method")           // Odoo refuses private methods remotely
	ErrInvalidArguments = errors.New("invalid arguments")        // ValueError, TypeError, bad domain, 422
	ErrDatabaseNotFound = errors.New("database not found")       // the configured database does not exist
	ErrServer           = errors.New("odoo server error")        // anything else Odoo raised
	ErrProtocol         = errors.New("unexpected odoo response") // not a response Odoo's API would send
)

// ErrUnavailable marks failures to reach Odoo at all: refused connections,
// timeouts, gateways answering for it. Callers answer 503 for these, never 401.
var ErrUnavailable = errors.New("odoo unreachable")

// ErrNamedArgumentsOnly is returned when positional arguments are sent to an
// Odoo that speaks JSON-2, which binds parameters by name only.
var ErrNamedArgumentsOnly = errors.New("odoo's JSON-2 API takes named arguments only: pass them as kwargs")

// Error is an exception raised by Odoo, without its traceback.
type Error struct {
	Kind    error  // one of the sentinels above
	Name    string // Odoo's exception name, e.g. "odoo.exceptions.AccessError"
	Message string // Odoo's message, trimmed to what a person needs
	Status  int    // HTTP status (JSON-2), 0 for JSON-RPC
	Model   string
	Method  string
	// Hint is odoo-mcp's own advice on the cause, when Odoo's message
	// cannot give it (ScopeHint on Odoo 20 and later).
	Hint string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return e.Kind.Error()
	}
	return e.Kind.Error() + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Kind }

// ScopeHint explains a refused API key on Odoo 20 and later, where the RPC
// routes (/jsonrpc, /xmlrpc, /json/2) accept only keys with the rpc scope:
// Odoo refuses a key without it exactly as a wrong key, so the refusal
// itself cannot say which it was.
const ScopeHint = "on Odoo 20 and later an API key works on the RPC routes only with the rpc scope: " +
	"check that the key exists, has not expired and was created with the RPC scope " +
	"(Preferences → Account Security → New API Key, scope RPC; or res.users.apikeys.generate(key, \"rpc\", name, expiration_date)), " +
	"not for Odoo's own MCP server"

// UnavailableError says why Odoo could not be reached.
type UnavailableError struct {
	Op  string // what was attempted, e.g. "POST /jsonrpc"
	Err error  // the transport error or a description of the bad answer
}

func (e *UnavailableError) Error() string { return "odoo unreachable: " + e.Op + ": " + e.Err.Error() }
func (e *UnavailableError) Unwrap() []error {
	return []error{ErrUnavailable, e.Err}
}

// classify maps an Odoo exception to an *Error. It keys on the exception
// name and, where Odoo reuses one name for several situations, on the
// stable start of the message; it never keeps the traceback.
func classify(name, message string, status int) *Error {
	msg := cleanMessage(message)
	e := &Error{Name: name, Message: msg, Status: status, Kind: ErrServer}
	switch name {
	case "odoo.exceptions.AccessDenied":
		e.Kind = ErrAccessDenied
	case "odoo.exceptions.AccessError":
		e.Kind = ErrAccessError
		if strings.HasPrefix(msg, "Private methods") {
			e.Kind = ErrPrivateMethod
		}
	case "odoo.exceptions.UserError":
		e.Kind = ErrUserError
		if strings.HasPrefix(msg, "Object ") && strings.HasSuffix(msg, " doesn't exist") {
			e.Kind = ErrUnknownModel
		}
	case "odoo.exceptions.ValidationError":
		e.Kind = ErrValidation
	case "odoo.exceptions.MissingError":
		e.Kind = ErrMissing
	case "odoo.exceptions.RedirectWarning", "odoo.exceptions.LockError", "odoo.exceptions.ConcurrencyError":
		e.Kind = ErrUserError
	case "builtins.AttributeError":
		if strings.Contains(msg, "does not exist") || strings.Contains(msg, "has no attribute") {
			e.Kind = ErrUnknownMethod
		}
	case "builtins.ValueError", "builtins.TypeError", "builtins.KeyError", "builtins.IndexError",
		"builtins.AssertionError", "werkzeug.exceptions.UnprocessableEntity", "werkzeug.exceptions.BadRequest":
		e.Kind = ErrInvalidArguments
	case "werkzeug.exceptions.Unauthorized":
		e.Kind = ErrAccessDenied
	case "werkzeug.exceptions.NotFound":
		switch {
		case strings.HasPrefix(msg, "the model "):
			e.Kind = ErrUnknownModel
		case strings.HasPrefix(msg, "The method "):
			e.Kind = ErrUnknownMethod
		}
	case "psycopg2.OperationalError":
		// The message names the database host and port: keep only what matters.
		if strings.Contains(msg, "does not exist") {
			e.Kind = ErrDatabaseNotFound
			e.Message = databaseName(msg)
		} else {
			e.Message = "the database is not available"
		}
	default:
		if strings.HasPrefix(name, "psycopg2.") {
			// SQL errors carry statements and internals; say only that it failed.
			e.Message = "the database refused the operation"
		}
	}
	return e
}

// cleanMessage keeps the first paragraph of an Odoo message: AccessError
// messages go on to list groups and internal model names that help no one.
func cleanMessage(m string) string {
	m = strings.TrimSpace(m)
	if i := strings.Index(m, "\n\n"); i > 0 {
		m = m[:i]
	}
	if i := strings.Index(m, "Traceback (most recent call last)"); i >= 0 {
		m = strings.TrimSpace(m[:i])
	}
	const max = 500
	if len(m) > max {
		m = m[:max] + "…"
	}
	return m
}

func databaseName(msg string) string {
	if i := strings.Index(msg, `database "`); i >= 0 {
		rest := msg[i+len(`database "`):]
		if j := strings.IndexByte(rest, '"'); j >= 0 {
			return fmt.Sprintf("database %q does not exist", rest[:j])
		}
	}
	return "the database does not exist"
}

// NotOdooError says that something other than Odoo's API answered at the
// configured URL: a web server's page, a proxy's, a login form. It unwraps
// to ErrProtocol. Error is one line, whatever the body held.
type NotOdooError struct {
	Op          string // what was asked, e.g. "POST /jsonrpc"
	Status      int    // HTTP status
	ContentType string // as the server sent it, may be empty
	Excerpt     string // the start of the body as text: tags, markup and line breaks removed
}

func (e *NotOdooError) Error() string {
	ct := e.ContentType
	if ct == "" {
		ct = "no content type"
	}
	msg := fmt.Sprintf("%s answered HTTP %d %s (%s)", e.Op, e.Status, http.StatusText(e.Status), ct)
	if e.Excerpt != "" {
		msg += fmt.Sprintf(": %q", e.Excerpt)
	}
	return msg + ", which does not look like Odoo"
}

func (e *NotOdooError) Unwrap() error { return ErrProtocol }

func newNotOdooError(op string, status int, h http.Header, body []byte) *NotOdooError {
	ct := h.Get("Content-Type")
	if len(ct) > 60 {
		ct = ct[:60]
	}
	return &NotOdooError{Op: op, Status: status, ContentType: excerpt([]byte(ct), 60), Excerpt: excerpt(body, 80)}
}

var (
	htmlInvisible = regexp.MustCompile(`(?is)<!--.*?-->|<(script|style|head)\b.*?</(script|style|head)\s*>`)
	htmlTag       = regexp.MustCompile(`(?s)<[^>]*>`)
)

// excerpt is the start of an answer body as one line of plain text, at
// most max bytes: markup, entities, control characters and runs of
// spaces are removed, so a web page can be quoted in a message or a log.
func excerpt(b []byte, max int) string {
	const scan = 64 << 10 // the start of a page is enough
	if len(b) > scan {
		b = b[:scan]
	}
	s := string(b)
	if strings.Contains(s, "<") {
		s = htmlInvisible.ReplaceAllString(s, " ")
		s = htmlTag.ReplaceAllString(s, " ")
		s = html.UnescapeString(s)
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
