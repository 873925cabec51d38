package fakeodoo

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/odoo-mcp/odoo-mcp/internal/pyrepr"
)

// Exception class names, as serialised in error.data.name.
const (
	exAccessDenied   = "odoo.exceptions.AccessDenied"
	exAccessError    = "odoo.exceptions.AccessError"
	exMissingError   = "odoo.exceptions.MissingError"
	exUserError      = "odoo.exceptions.UserError"
	exValidation     = "odoo.exceptions.ValidationError"
	exValueError     = "builtins.ValueError"
	exTypeError      = "builtins.TypeError"
	exKeyError       = "builtins.KeyError"
	exIndexError     = "builtins.IndexError"
	exAttributeError = "builtins.AttributeError"
	exAssertion      = "builtins.AssertionError"
	exNameError      = "builtins.NameError"
	exException      = "builtins.Exception"
	exRuntime        = "builtins.RuntimeError"
	exOperational    = "psycopg2.OperationalError"
	exNotFound       = "werkzeug.exceptions.NotFound"
	exUnprocessable  = "werkzeug.exceptions.UnprocessableEntity"
	exUnauthorized   = "werkzeug.exceptions.Unauthorized"
	exBadRequest     = "werkzeug.exceptions.BadRequest"
)

// rpcError is a Python exception raised by the fake Odoo, serialised the way
// odoo.http.serialize_exception does.
type rpcError struct {
	name      string // fully qualified class, e.g. odoo.exceptions.AccessError
	message   string
	arguments []any   // exception args; nil means [message]
	status    int     // HTTP status over JSON-2; 0 derives it from name
	frames    []frame // raise site, appended after the call frames
	cause     string  // text of a chained exception, printed before ours
	bare      bool    // the traceback is only the last line (AccessDenied on 19.0)
	reprArg   bool    // the last line shows repr(arg) (KeyError)
	at        int     // how deep the prefix frames go: atCall, atObject or atService
}

// Depth of the frames leading to an error.
const (
	atCall    = iota // inside the model method (the default)
	atObject         // in the object service, before the method is called
	atService        // in the RPC service or the HTTP layer
)

func (e *rpcError) Error() string { return e.name + ": " + e.message }

func newErr(name, msg string, frames ...frame) *rpcError {
	return &rpcError{name: name, message: msg, frames: frames}
}

func (e *rpcError) args() []any {
	if e.arguments != nil {
		return e.arguments
	}
	return []any{e.message}
}

// httpStatus is the class attribute http_status of the exception, as the
// JSON-2 dispatcher uses it.
func (e *rpcError) httpStatus() int {
	if e.status != 0 {
		return e.status
	}
	switch e.name {
	case exAccessError, exAccessDenied:
		return http.StatusForbidden
	case exMissingError:
		return http.StatusNotFound
	case exUserError, exValidation:
		return http.StatusUnprocessableEntity
	}
	return http.StatusInternalServerError
}

// lastLine is the final line of the traceback: "<class>: <message>".
func (e *rpcError) lastLine() string {
	cls := strings.TrimPrefix(e.name, "builtins.")
	msg := e.message
	switch {
	case e.reprArg:
		msg = pyrepr.Str(e.message)
	case strings.HasPrefix(e.name, "werkzeug.exceptions."):
		msg = fmt.Sprintf("%d %s: %s", e.status, http.StatusText(e.status), e.message)
	}
	return cls + ": " + msg + "\n"
}

// traceback renders the debug string: prefix frames lead to the place the
// error was raised.
func (e *rpcError) traceback(prefix []frame) string {
	if e.bare {
		return e.lastLine()
	}
	var b strings.Builder
	if e.cause != "" {
		b.WriteString(e.cause)
		b.WriteString("\nThe above exception was the direct cause of the following exception:\n\n")
	}
	b.WriteString("Traceback (most recent call last):\n")
	for _, f := range prefix {
		f.render(&b)
	}
	for _, f := range e.frames {
		f.render(&b)
	}
	b.WriteString(e.lastLine())
	return b.String()
}

// data is the error payload: error.data over JSON-RPC, the body over JSON-2.
// 18.0 puts debug second, 19.0 last.
func (e *rpcError) data(major int, prefix []frame) obj {
	debug := e.traceback(prefix)
	if major >= 19 {
		return obj{{"name", e.name}, {"message", e.message}, {"arguments", e.args()}, {"context", obj{}}, {"debug", debug}}
	}
	return obj{{"name", e.name}, {"debug", debug}, {"message", e.message}, {"arguments", e.args()}, {"context", obj{}}}
}

// werkzeug HTTP exceptions carry their status as second argument.
func httpErr(name string, status int, msg string, frames ...frame) *rpcError {
	return &rpcError{name: name, message: msg, arguments: []any{msg, status}, status: status, frames: frames, at: atService}
}

// Frequently raised errors.

func (e *env) errAccessDenied() *rpcError {
	if e.major >= 19 {
		return &rpcError{name: exAccessDenied, message: "Access Denied", bare: true, at: atService}
	}
	err := newErr(exAccessDenied, "Access Denied",
		frn(pModelSvc, 30, "dispatch", "security.check(db, uid, passwd)"),
		fr(pSecurity, 11, "check", "return res_users.check(db, uid, passwd)"),
		fr("/usr/lib/python3/dist-packages/decorator.py", 232, "fun", "return caller(func, *(extras + args), **kw)"),
		fr(pCache, 110, "lookup", "value = d[key] = self.method(*args, **kwargs)"),
		frn(pResUsers, 983, "check", "self._check_credentials(credential, {'interactive': False})"),
		frn(pResUsers, 2273, "_check_credentials", "raise AccessDenied()"))
	err.at = atService
	return err
}

func (e *env) errMissing(m *model, ids []int64) *rpcError {
	msg := fmt.Sprintf("Record does not exist or has been deleted.\n(Record: %s%s, User: %d)", m.name, pyTuple(anyIDs(ids)), e.uid)
	return newErr(exMissingError, msg,
		fr(pFields(e.major), map[bool]int{true: 1712, false: 1268}[e.major >= 19], "__get__", `raise MissingError("\n".join([`))
}

func (e *env) errValue(msg string, frames ...frame) *rpcError {
	return newErr(exValueError, msg, frames...)
}

func (e *env) errType(msg string) *rpcError {
	return newErr(exTypeError, msg)
}

func (e *env) errUser(msg string) *rpcError {
	return newErr(exUserError, msg)
}

// errValidation is a ValidationError raised by a Python constraint.
func (e *env) errValidation(msg string, frames ...frame) *rpcError {
	return newErr(exValidation, msg, frames...)
}

// errSQL is a ValidationError converted from a database constraint
// violation, with the psycopg2 error chained before it.
func (e *env) errSQL(pgClass, pgMsg, msg string) *rpcError {
	var b strings.Builder
	b.WriteString("Traceback (most recent call last):\n")
	frn(pSQL, map[bool]int{true: 433, false: 354}[e.major >= 19], "execute", "self._obj.execute(query, params)").render(&b)
	b.WriteString(pgClass + ": " + pgMsg + "\n")
	var raise frame
	if e.major >= 19 {
		raise = frn(pModelSvc, 210, "retrying", "raise ValidationError(message) from exc")
	} else {
		raise = frn(pModelSvc, 156, "retrying", "raise _as_validation_error(env, exc) from exc")
	}
	err := newErr(exValidation, msg, raise)
	err.cause = b.String()
	err.at = atObject
	return err
}

func anyIDs(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}
