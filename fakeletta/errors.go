package fakeletta

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// RequestValidator checks a request before Letta's handler sees it, for
// example against Letta's OpenAPI spec (a kin-openapi based validator built
// elsewhere satisfies it). The request body can be read; the fake restores it
// afterwards. A non-nil error makes the fake answer as Letta does for an
// invalid body (422, see ValidationIssue).
type RequestValidator interface {
	ValidateRequest(r *http.Request) error
}

// ValidationIssue is one pydantic/FastAPI validation error. Loc starts with
// "body", "query", "path" or "header".
type ValidationIssue struct {
	Type  string         `json:"type"`
	Loc   []any          `json:"loc"`
	Msg   string         `json:"msg"`
	Input any            `json:"input"`
	Ctx   map[string]any `json:"ctx,omitempty"`
}

// ValidationIssuer may be implemented by a RequestValidator's errors to say
// exactly which issues to report; otherwise the fake derives one issue from
// the error (understanding kin-openapi's request and schema errors).
type ValidationIssuer interface {
	ValidationIssues() []ValidationIssue
}

// writeJSON answers like Starlette's JSONResponse (compact, no HTML escaping).
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := marshalNoEscape(v)
	if err != nil {
		b = []byte(`{"detail":"An internal server error occurred"}`)
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// detail answers {"detail": d} with the given status.
func (c *reqCtx) detail(status int, d any) {
	writeJSON(c.w, status, map[string]any{"detail": d})
}

// internalError is the catch-all 500 of each version.
func (s *Server) internalError(w http.ResponseWriter) {
	msg := "An internal server error occurred"
	if s.isNew {
		msg = "An unknown error occurred"
	}
	writeJSON(w, http.StatusInternalServerError, map[string]any{"detail": msg})
}

// validationFailed answers 422 in the version's format: OLD is FastAPI's
// {"detail":[…]}; NEW stringifies the list (Python repr) next to a trace id
// and, for malformed path ids, adds "examples".
func (s *Server) validationFailed(w http.ResponseWriter, issues []ValidationIssue) {
	for i := range issues {
		if issues[i].Loc == nil {
			issues[i].Loc = []any{"body"}
		}
	}
	if !s.isNew {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"detail": issues})
		return
	}
	var examples []string
	seen := map[string]bool{}
	list := make([]any, len(issues))
	for i, is := range issues {
		d := pyDict{{"type", is.Type}, {"loc", pyTuple(is.Loc)}, {"msg", is.Msg}, {"input", is.Input}}
		if is.Ctx != nil {
			d = append(d, pyPair{"ctx", is.Ctx})
		}
		list[i] = d
		if len(is.Loc) == 2 && is.Loc[0] == "path" && is.Type == "string_pattern_mismatch" {
			if name, ok := is.Loc[1].(string); ok && strings.HasSuffix(name, "_id") {
				ex := strings.TrimSuffix(name, "_id") + "-123e4567-e89b-42d3-8456-426614174000"
				if !seen[ex] {
					seen[ex] = true
					examples = append(examples, ex)
				}
			}
		}
	}
	body := obj{{"trace_id", ""}, {"detail", pyRepr(list)}}
	if len(examples) > 0 {
		body = append(body, kv{"examples", examples})
	}
	writeJSON(w, http.StatusUnprocessableEntity, body)
}

var (
	kinParamErr   = regexp.MustCompile(`^parameter "([^"]+)" in (\w+) has an error: (?s)(.*)$`)
	kinBodyErr    = regexp.MustCompile(`^request body has an error: (?s)(.*)$`)
	kinMissingErr = regexp.MustCompile(`(?:property "([^"]+)" is missing|missing propert(?:y|ies) '([^']+)')`)
)

// issuesFromError turns a validator error into FastAPI issues. Errors that
// implement ValidationIssuer say it themselves; otherwise the error text and
// an optional JSONPointer() method (kin-openapi's request and schema errors)
// locate the problem, and the request body supplies "input".
func issuesFromError(err error, body []byte) []ValidationIssue {
	var vi ValidationIssuer
	if errors.As(err, &vi) {
		if issues := vi.ValidationIssues(); len(issues) > 0 {
			return issues
		}
	}
	msg := err.Error()
	if m := kinParamErr.FindStringSubmatch(msg); m != nil {
		return []ValidationIssue{{Type: "value_error", Loc: []any{m[2], m[1]}, Msg: shortReason(m[3])}}
	}
	if m := kinBodyErr.FindStringSubmatch(msg); m != nil {
		msg = m[1]
	}
	var decoded any
	_ = json.Unmarshal(body, &decoded)
	loc, input := []any{"body"}, decoded
	var ptr interface{ JSONPointer() []string }
	if errors.As(err, &ptr) {
		for _, p := range ptr.JSONPointer() {
			loc = append(loc, p)
			input = jsonChild(input, p)
		}
	}
	msg = shortReason(msg)
	if m := kinMissingErr.FindStringSubmatch(msg); m != nil {
		name := m[1] + m[2]
		if loc[len(loc)-1] != name {
			loc = append(loc, name)
		}
		return []ValidationIssue{{Type: "missing", Loc: loc, Msg: "Field required", Input: input}}
	}
	return []ValidationIssue{{Type: "value_error", Loc: loc, Msg: msg, Input: input}}
}

// shortReason drops kin-openapi's schema dump and location prefixes.
func shortReason(msg string) string {
	if i := strings.Index(msg, "\nSchema:"); i >= 0 {
		msg = msg[:i]
	}
	if i := strings.LastIndex(msg, ": "); i >= 0 && strings.Contains(msg[:i], "schema") {
		msg = msg[i+2:]
	}
	return strings.TrimSpace(msg)
}

// jsonChild follows one JSON-pointer step into a decoded value.
func jsonChild(v any, step string) any {
	switch x := v.(type) {
	case map[string]any:
		return x[step]
	case []any:
		var i int
		if _, err := fmt.Sscanf(step, "%d", &i); err == nil && i >= 0 && i < len(x) {
			return x[i]
		}
	}
	return nil
}

// pathIDIssue is NEW's rewritten error for a malformed primitive id in a
// path parameter (letta/validators.py and the app's 422 handler).
func pathIDIssue(param, value string) ValidationIssue {
	primitive := strings.TrimSuffix(param, "_id")
	return ValidationIssue{
		Type:  "string_pattern_mismatch",
		Loc:   []any{"path", param},
		Msg:   "String should match pattern '" + primitive + "-{uuid4}'",
		Input: value,
		Ctx:   map[string]any{"pattern": idPattern(primitive).String()},
	}
}
