package tools

import (
	"context"
	"errors"
	"strings"

	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

// describe turns an error into the one line an agent sees: what went wrong,
// in Odoo's words where Odoo said it, never a traceback.
func describe(err error) string {
	var oe *odoorpc.Error
	switch {
	case errors.As(err, &oe):
		return odooErrorText(oe)
	case errors.Is(err, context.DeadlineExceeded):
		return "Odoo did not answer in time; try again later or ask for fewer records"
	case errors.Is(err, odoorpc.ErrUnavailable):
		return "Odoo is not reachable right now; try again later"
	case errors.Is(err, odoorpc.ErrNamedArgumentsOnly):
		return "this Odoo (19 or later, JSON-2) binds method parameters by name: pass them in kwargs instead of args"
	case errors.Is(err, odoorpc.ErrProtocol):
		return "Odoo sent an unexpected answer; the call may not have completed"
	}
	return err.Error()
}

func odooErrorText(e *odoorpc.Error) string {
	prefix := map[error]string{
		odoorpc.ErrAccessDenied:     "access denied",
		odoorpc.ErrAccessError:      "access denied",
		odoorpc.ErrUserError:        "Odoo refused",
		odoorpc.ErrValidation:       "validation failed",
		odoorpc.ErrMissing:          "record not found",
		odoorpc.ErrUnknownModel:     "no such model",
		odoorpc.ErrUnknownMethod:    "no such method",
		odoorpc.ErrPrivateMethod:    "private method",
		odoorpc.ErrInvalidArguments: "invalid request",
		odoorpc.ErrDatabaseNotFound: "database not found",
		odoorpc.ErrServer:           "Odoo error",
	}[e.Kind]
	if prefix == "" {
		prefix = "Odoo error"
	}
	msg := strings.TrimSpace(e.Message)
	if e.Hint != "" {
		if msg == "" {
			msg = e.Hint
		} else {
			msg += " (" + e.Hint + ")"
		}
	}
	switch {
	case errors.Is(e, odoorpc.ErrUnknownModel) && e.Model != "":
		return prefix + ": " + e.Model + " does not exist in this database"
	case errors.Is(e, odoorpc.ErrUnknownMethod) && e.Model != "":
		return prefix + ": " + e.Model + " has no public method " + e.Method
	case msg == "":
		return prefix
	}
	return prefix + ": " + msg
}
