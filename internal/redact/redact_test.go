package redact

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"http://odoo:8069", "http://odoo:8069"},
		{"http://proxy:s3cret@odoo:8069", "http://proxy:xxxxx@odoo:8069"},
		{"https://proxy:s3cret@odoo.example.com/odoo?x=1", "https://proxy:xxxxx@odoo.example.com/odoo?x=1"},
		{"http://user@odoo", "http://user@odoo"},
		{"proxy:s3cret@127.0.0.1:8069", "proxy:xxxxx@127.0.0.1:8069"},
		{"http://proxy:s3cret@odo o:8069", "http://proxy:xxxxx@odo o:8069"},
		{"http://proxy:p@ss@word@odoo/a@b", "http://proxy:xxxxx@odoo/a@b"},
		{"ftp://proxy:s3cret@odoo", "ftp://proxy:xxxxx@odoo"},
		{"", ""},
	} {
		if got := URL(tc.in); got != tc.want {
			t.Errorf("URL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestError(t *testing.T) {
	// A URL that does not parse, on purpose.
	_, err := url.Parse("http://proxy:s3cret@odo o:8069") //nolint:staticcheck // SA1007: the failure is the point

	if err == nil || !strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("the premise changed: %v", err)
	}
	red := Error(err)
	if strings.Contains(red.Error(), "s3cret") || !strings.Contains(red.Error(), "proxy:xxxxx@") {
		t.Errorf("Error: %v", red)
	}
	other := errors.New("other")
	if Error(other) != other {
		t.Error("an error without a URL changed")
	}
}
