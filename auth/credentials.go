// Package auth checks the credentials callers present to odoo-mcp: Odoo
// API keys (Basic login:key on every Odoo, Bearer key on Odoo 19+), checked
// against Odoo and cached briefly, and thread tokens signed by odoo-mcp.
package auth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Scheme is how a credential was presented.
type Scheme int

const (
	SchemeBasic  Scheme = iota + 1 // Basic base64(login:key)
	SchemeBearer                   // Bearer <api key or thread token>
)

// Credential is a parsed Authorization header. It holds a secret: never log it.
type Credential struct {
	Scheme Scheme
	Login  string // Basic only
	Secret string // API key, password or token
}

// Errors of credential parsing and checking. They never contain the secret.
var (
	ErrNoCredentials = errors.New("missing Authorization header: send Basic login:api_key or Bearer api_key")
	ErrMalformed     = errors.New("malformed Authorization header")
	ErrInvalid       = errors.New("invalid credentials")
	// ErrUnavailable is Odoo not answering a credential check (unreachable,
	// or its database missing): the credential may well be good, so callers
	// answer 503, never 401.
	ErrUnavailable = errors.New("Odoo is not reachable")

	// errControlChar is ErrMalformed for a login or key holding a control
	// character: no real credential has one, and Odoo 19's key travels in
	// an HTTP header, which cannot carry it. Refused before Odoo is asked.
	errControlChar = fmt.Errorf("%w: the login or API key contains a control character (newline, carriage return, NUL, DEL...); check how it was copied", ErrMalformed)
)

// maxCredentialLen bounds what is hashed or decoded: a header larger than
// any real credential is refused before any work.
const maxCredentialLen = 4096

// ParseAuthorization reads an Authorization header value.
func ParseAuthorization(header string) (Credential, error) {
	header = strings.TrimSpace(header)
	if header == "" {
		return Credential{}, ErrNoCredentials
	}
	if len(header) > maxCredentialLen {
		return Credential{}, ErrMalformed
	}
	scheme, value, ok := strings.Cut(header, " ")
	value = strings.TrimSpace(value)
	if !ok || value == "" {
		return Credential{}, ErrMalformed
	}
	switch strings.ToLower(scheme) {
	case "bearer":
		if strings.ContainsAny(value, " \t") {
			return Credential{}, ErrMalformed
		}
		if hasControl(value) {
			return Credential{}, errControlChar
		}
		return Credential{Scheme: SchemeBearer, Secret: value}, nil
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(value)
		if err != nil {
			return Credential{}, ErrMalformed
		}
		login, secret, ok := strings.Cut(string(raw), ":")
		if !ok || login == "" || secret == "" {
			return Credential{}, ErrMalformed
		}
		if hasControl(login) || hasControl(secret) {
			return Credential{}, errControlChar
		}
		return Credential{Scheme: SchemeBasic, Login: login, Secret: secret}, nil
	}
	return Credential{}, ErrMalformed
}

// hasControl reports an ASCII control character (tab included: no login
// or key has one) or DEL.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 || b == 0x7f {
			return true
		}
	}
	return false
}
