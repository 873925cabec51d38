package letta

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// maxErrorBody bounds how much of an error response is kept in APIError.Body.
const maxErrorBody = 64 << 10

// ErrUnavailable is matched (errors.Is) by every *UnavailableError: Letta
// could not be reached or the connection broke before a response arrived.
var ErrUnavailable = errors.New("letta unavailable")

// ErrUnsupported is wrapped when the detected Letta version cannot do what
// was asked (e.g. a model setting it does not accept).
var ErrUnsupported = errors.New("letta: not supported by this Letta version")

// ErrPrivateMCPURL is wrapped by EnsureMCPServer when the server is Letta
// 0.16.7+ and the MCP URL's host is one it refuses (see MCPURLBlockReason).
var ErrPrivateMCPURL = errors.New("letta: Letta 0.16.7+ refuses private MCP server URLs")

// APIError is a non-2xx answer from Letta.
//
// Letta's error bodies differ by route and version (letta.md §10): "detail"
// may be a string, a list of validation errors (OLD 422), an object with
// "code"/"message" (MCP 404/409), or NEW's {"error":{"type","message",
// "detail"}}; NEW's 422 carries the Python repr of the list as a string.
// Detail is a readable flattening of whichever shape came; Code is
// detail.code or error.type when present. Match on Status, not on text.
type APIError struct {
	Method string // HTTP method
	Path   string // request path (no host, no query: never carries secrets)
	Status int
	Detail string
	Code   string
	Body   []byte // raw body, at most 64 KiB
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("letta: %s %s: %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	if e.Code != "" {
		msg += " [" + e.Code + "]"
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// UnavailableError is a transport failure talking to Letta (connection
// refused, DNS, TLS, timeout, connection reset). It matches ErrUnavailable.
type UnavailableError struct {
	Method string
	Path   string
	Err    error
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("letta unavailable: %s %s: %v", e.Method, e.Path, e.Err)
}

func (e *UnavailableError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrUnavailable) true.
func (e *UnavailableError) Is(target error) bool { return target == ErrUnavailable }

// StatusCode returns the HTTP status of an *APIError in err's chain, or 0.
func StatusCode(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

// IsNotFound reports whether err is a 404 from Letta.
func IsNotFound(err error) bool { return StatusCode(err) == http.StatusNotFound }

// IsConflict reports whether err is a 409 from Letta (e.g. duplicate name).
func IsConflict(err error) bool { return StatusCode(err) == http.StatusConflict }

// IsUnauthorized reports whether err is a 401 from Letta (bad API key or
// server password).
func IsUnauthorized(err error) bool { return StatusCode(err) == http.StatusUnauthorized }

// IsValidation reports whether err is a 422 from Letta (request rejected by
// its validation, e.g. a bad id format on NEW or an unknown field on NEW's
// MCP server routes).
func IsValidation(err error) bool { return StatusCode(err) == http.StatusUnprocessableEntity }

// newAPIError decodes an error body of any Letta shape.
func newAPIError(method, path string, status int, body []byte) *APIError {
	if len(body) > maxErrorBody {
		body = body[:maxErrorBody]
	}
	e := &APIError{Method: method, Path: path, Status: status, Body: body}
	e.Detail, e.Code = decodeErrorBody(body)
	return e
}

func decodeErrorBody(body []byte) (detail, code string) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return "", ""
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &top); err != nil {
		return truncate(string(trimmed), 512), ""
	}
	if raw, ok := top["detail"]; ok {
		detail, code = decodeDetail(raw)
	}
	if raw, ok := top["error"]; ok {
		// NEW: {"error":{"type","message","detail"}}; OLD stream: {"error":"text"}.
		var obj struct {
			Type    string          `json:"type"`
			Message string          `json:"message"`
			Detail  json.RawMessage `json:"detail"`
		}
		var s string
		switch {
		case json.Unmarshal(raw, &s) == nil:
			if detail == "" {
				detail = s
			}
		case json.Unmarshal(raw, &obj) == nil:
			if code == "" {
				code = obj.Type
			}
			d, _ := decodeDetail(obj.Detail)
			msg := joinNonEmpty(": ", obj.Message, d)
			if detail == "" {
				detail = msg
			}
		}
	}
	if detail == "" {
		if raw, ok := top["message"]; ok {
			_ = json.Unmarshal(raw, &detail)
		}
	}
	if detail == "" {
		detail = truncate(string(trimmed), 512)
	}
	return detail, code
}

// decodeDetail flattens a "detail" value: string, list of pydantic errors,
// or object with code/message.
func decodeDetail(raw json.RawMessage) (detail, code string) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, ""
	}
	var list []struct {
		Type string `json:"type"`
		Loc  []any  `json:"loc"`
		Msg  string `json:"msg"`
	}
	if json.Unmarshal(raw, &list) == nil {
		parts := make([]string, 0, len(list))
		for _, it := range list {
			loc := make([]string, 0, len(it.Loc))
			for _, l := range it.Loc {
				loc = append(loc, fmt.Sprint(l))
			}
			parts = append(parts, joinNonEmpty(": ", strings.Join(loc, "."), it.Msg))
		}
		return strings.Join(parts, "; "), ""
	}
	var obj struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &obj) == nil && (obj.Code != "" || obj.Message != "") {
		return obj.Message, obj.Code
	}
	return truncate(string(raw), 512), ""
}

func joinNonEmpty(sep string, parts ...string) string {
	out := parts[:0:0]
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
