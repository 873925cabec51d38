// Package redact hides the secrets URLs carry before they are logged or
// shown: an Odoo or Letta URL may hold a proxy's user:password.
package redact

import (
	"errors"
	"net/url"
	"strings"
)

// mask replaces a password, as url.URL.Redacted does.
const mask = "xxxxx"

// URL returns raw with the password of its userinfo replaced by "xxxxx"
// (the user name stays, to say which account). It also handles what
// url.Parse refuses or misreads (no scheme, a bad character), so that
// whatever an operator typed can be shown.
func URL(raw string) string {
	if !strings.Contains(raw, "@") {
		return raw
	}
	if u, err := url.Parse(raw); err == nil && u.Host != "" && u.Opaque == "" {
		return u.Redacted()
	}
	// Find the authority by hand: after "scheme://" if any, up to the
	// first "/", "?" or "#"; userinfo ends at its last "@".
	prefix, rest := "", raw
	if i := strings.Index(raw, "://"); i >= 0 {
		prefix, rest = raw[:i+3], raw[i+3:]
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	if at < 0 {
		return raw
	}
	user := rest[:at]
	if c := strings.IndexByte(user, ':'); c >= 0 {
		user = user[:c+1] + mask
	}
	return prefix + user + rest[at:]
}

// Error returns err with the URL of a *url.Error (what url.Parse and the
// HTTP client return, quoting the whole URL) redacted; other errors are
// returned unchanged.
func Error(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) || URL(ue.URL) == ue.URL {
		return err
	}
	return &url.Error{Op: ue.Op, URL: URL(ue.URL), Err: ue.Err}
}
