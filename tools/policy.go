package tools

import (
	"fmt"
	"path"
	"strings"
)

// Policy bounds what the tools may do, on top of Odoo's own access rights.
// It is enforced on every call, not only in the listing.
type Policy struct {
	// ReadOnly removes the creator, updater, unlinker and method executor.
	ReadOnly bool
	// AllowModels, when not empty, lists the only models tools may touch;
	// DenyModels lists models they may never touch. Patterns use path.Match
	// syntax ("res.*", "account.move").
	AllowModels []string
	DenyModels  []string
	// DenyMethods lists "model.method" patterns the executor refuses, e.g.
	// "res.users.*" or "*.action_post".
	DenyMethods []string
	// DefaultLimit and MaxLimit bound the retriever (odoo-llm default 100).
	DefaultLimit int
	MaxLimit     int
}

const (
	defaultLimit = 100
	defaultMax   = 1000
)

func (p Policy) withDefaults() Policy {
	if p.DefaultLimit <= 0 {
		p.DefaultLimit = defaultLimit
	}
	if p.MaxLimit <= 0 {
		p.MaxLimit = defaultMax
	}
	if p.DefaultLimit > p.MaxLimit {
		p.DefaultLimit = p.MaxLimit
	}
	return p
}

// Validate reports a pattern path.Match cannot use.
func (p Policy) Validate() error {
	for _, list := range [][]string{p.AllowModels, p.DenyModels, p.DenyMethods} {
		for _, pat := range list {
			if _, err := path.Match(pat, ""); err != nil {
				return fmt.Errorf("bad pattern %q: %w", pat, err)
			}
		}
	}
	return nil
}

// checkModel refuses an empty, malformed or disallowed model name.
func (p Policy) checkModel(model string) error {
	if strings.TrimSpace(model) == "" {
		return argErrorf("argument \"model\" is required, e.g. \"res.partner\"")
	}
	if strings.ContainsAny(model, " /\\?#") {
		return argErrorf("%q is not a model name; use a technical name such as res.partner", model)
	}
	if reason, ok := p.modelAllowed(model); !ok {
		return &PolicyError{Msg: fmt.Sprintf("model %s is not available through odoo-mcp (%s)", model, reason)}
	}
	return nil
}

// modelAllowed applies the model lists; when it refuses, reason says which.
func (p Policy) modelAllowed(model string) (reason string, ok bool) {
	if matchAny(p.DenyModels, model) {
		return "denied by configuration", false
	}
	if len(p.AllowModels) > 0 && !matchAny(p.AllowModels, model) {
		return "not in the allowed models", false
	}
	return "", true
}

// checkMethod refuses private methods before Odoo is asked (Odoo would
// refuse them anyway) and methods on the deny list.
func (p Policy) checkMethod(model, method string) error {
	if strings.TrimSpace(method) == "" {
		return argErrorf("argument \"method\" is required, e.g. \"action_confirm\"")
	}
	if strings.HasPrefix(method, "_") {
		return &PolicyError{Msg: fmt.Sprintf("private method %s.%s cannot be called remotely", model, method)}
	}
	if matchAny(p.DenyMethods, model+"."+method) {
		return &PolicyError{Msg: fmt.Sprintf("method %s.%s is denied by configuration", model, method)}
	}
	return nil
}

func matchAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, s); ok {
			return true
		}
	}
	return false
}

// PolicyError is a call odoo-mcp refused by its own configuration.
type PolicyError struct{ Msg string }

func (e *PolicyError) Error() string { return e.Msg }
