package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/odoo-mcp/odoo-mcp/auth"
	"github.com/odoo-mcp/odoo-mcp/internal/redact"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

// The Odoo credential of stdio, config, doctor and chat comes from the
// environment only, so that the key never shows in a process list.
const (
	envLogin  = "ODOO_LOGIN"
	envAPIKey = "ODOO_API_KEY"
)

// envCredential is the Odoo credential in ODOO_LOGIN and ODOO_API_KEY. Key
// is a secret: never log or print it unless the user asked for it.
type envCredential struct {
	Login string
	Key   string
}

func credentialFromEnv() envCredential {
	return envCredential{Login: strings.TrimSpace(os.Getenv(envLogin)), Key: strings.TrimSpace(os.Getenv(envAPIKey))}
}

// Set reports whether there is a key (with or without a login).
func (c envCredential) Set() bool { return c.Key != "" }

// Authorization is the header value: Basic base64(login:key) with a login,
// Bearer key without (Odoo 19+ only).
func (c envCredential) Authorization() string {
	if c.Login != "" {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(c.Login+":"+c.Key))
	}
	return "Bearer " + c.Key
}

// Describe names the credential without its secret.
func (c envCredential) Describe() string {
	if c.Login != "" {
		return fmt.Sprintf("%s=%s with %s", envLogin, c.Login, envAPIKey)
	}
	return envAPIKey + " alone (Bearer, Odoo 19+)"
}

// errMissingCredential says how to give a credential.
var errMissingCredential = errors.New("no Odoo credential: set " + envLogin + " and " + envAPIKey +
	" (create a key in Odoo under Preferences → Account Security → New API Key); on Odoo 19+ " + envAPIKey + " alone works")

// credentialProblem explains why Odoo did not accept a credential, and
// the fix; config is true when the fix is a setting (exit code 2).
func credentialProblem(err error, c envCredential, odooURL, db string) (problem, fix string, config bool) {
	odooURL = redact.URL(odooURL)
	switch {
	case errors.Is(err, auth.ErrBearerNeedsLogin):
		return envAPIKey + " alone cannot identify its user on Odoo 16-18", "set " + envLogin + " too", true
	case errors.Is(err, auth.ErrMalformed), errors.Is(err, auth.ErrNoCredentials):
		return fmt.Sprintf("%s or %s is malformed (%v)", envLogin, envAPIKey, err), "check their values", true
	case errors.Is(err, auth.ErrInvalid) && strings.Contains(err.Error(), odoorpc.ScopeHint):
		return fmt.Sprintf("Odoo at %s refused the credential (%s) for database %q", odooURL, c.Describe(), db),
			"check the login; " + odoorpc.ScopeHint, false
	case errors.Is(err, auth.ErrInvalid):
		return fmt.Sprintf("Odoo at %s refused the credential (%s) for database %q", odooURL, c.Describe(), db),
			"check the login, that the API key is current (Odoo: Preferences → Account Security) and that it belongs to this database", false
	case errors.Is(err, odoorpc.ErrDatabaseNotFound):
		// Before ErrUnavailable, which wraps it: the URL is right, the
		// database is not.
		return databaseProblem(odooURL, db), "set ODOO_DB to an existing database", true
	case errors.Is(err, odoorpc.ErrUnavailable):
		return fmt.Sprintf("cannot reach Odoo at %s: %v", odooURL, err), "check ODOO_URL and that Odoo runs", false
	}
	return fmt.Sprintf("Odoo at %s answered unexpectedly while checking the credential: %v", odooURL, err),
		fmt.Sprintf("check ODOO_DB (%q) and ODOO_URL", db), false
}

func databaseProblem(odooURL, db string) string {
	return fmt.Sprintf("the Odoo at %s has no database %q", redact.URL(odooURL), db)
}

// maxListedDatabases bounds the names a fix lists.
const maxListedDatabases = 20

// databaseFix is the fix for a database Odoo does not have: set ODOO_DB
// to one of those Odoo lists, when it lists them (db.list, refused when
// Odoo runs with list_db = False).
func databaseFix(ctx context.Context, odoo *odoorpc.Client) string {
	dbs, err := odoo.Databases(ctx)
	switch {
	case err != nil:
		return "set ODOO_DB to the name of an existing database (this Odoo does not list its databases)"
	case len(dbs) == 0:
		return "this Odoo has no database yet: create one (Odoo's /web/database/manager) and set ODOO_DB to its name"
	}
	more := ""
	if len(dbs) > maxListedDatabases {
		more = fmt.Sprintf(" and %d more", len(dbs)-maxListedDatabases)
		dbs = dbs[:maxListedDatabases]
	}
	quoted := make([]string, len(dbs))
	for i, db := range dbs {
		quoted[i] = fmt.Sprintf("%q", db)
	}
	return "set ODOO_DB to one of the databases this Odoo lists: " + strings.Join(quoted, ", ") + more
}
