package odoorpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// ErrNoDBService marks what the db service answered before Odoo 20, which
// removed it (odoo/documentation, external RPC API).
var ErrNoDBService = errors.New("no db service (removed in Odoo 20)")

// DatabaseExists asks Odoo whether the configured database exists,
// without a login. Odoo 16 to 19 answer db.db_exist even when they do not
// list their databases (true for any database Odoo can connect to, Odoo's
// or not). Odoo 20 has no db service: the database is looked up in
// /web/database/list, which Odoo refuses when it runs with list_db =
// False (the error then wraps ErrNoDBService).
func (c *Client) DatabaseExists(ctx context.Context) (bool, error) {
	if c.noDBService(ctx) {
		dbs, err := c.webDatabases(ctx)
		if err != nil {
			return false, fmt.Errorf("%w; /web/database/list: %w", ErrNoDBService, err)
		}
		return slices.Contains(dbs, c.db), nil
	}
	raw, err := c.jsonrpc(ctx, "db", "db_exist", []any{c.db})
	if err != nil {
		return false, err
	}
	var ok bool
	if err := json.Unmarshal(raw, &ok); err != nil {
		return false, fmt.Errorf("%w: db.db_exist: %v", ErrProtocol, err)
	}
	return ok, nil
}

// Databases lists the databases Odoo serves, without a login: db.list up
// to Odoo 19, /web/database/list from Odoo 20 (no db service). An Odoo
// configured with list_db = False refuses (ErrAccessDenied).
func (c *Client) Databases(ctx context.Context) ([]string, error) {
	if c.noDBService(ctx) {
		return c.webDatabases(ctx)
	}
	raw, err := c.jsonrpc(ctx, "db", "list", []any{})
	if err != nil {
		return nil, err
	}
	var dbs []string
	if err := json.Unmarshal(raw, &dbs); err != nil {
		return nil, fmt.Errorf("%w: db.list: %v", ErrProtocol, err)
	}
	return dbs, nil
}

// webDatabases is the web client's database list (a JSON route, the
// JSON-RPC envelope without a service).
func (c *Client) webDatabases(ctx context.Context) ([]string, error) {
	id := requestID.Add(1)
	status, _, body, err := c.post(ctx, "/web/database/list", func(dst []byte) ([]byte, error) {
		return fmt.Appendf(dst, `{"jsonrpc":"2.0","method":"call","id":%d,"params":{}}`, id), nil
	}, nil)
	if err != nil {
		return nil, err
	}
	raw, err := decodeRPC(status, body)
	if err != nil {
		return nil, err
	}
	var dbs []string
	if err := json.Unmarshal(raw, &dbs); err != nil {
		return nil, fmt.Errorf("%w: /web/database/list: %v", ErrProtocol, err)
	}
	return dbs, nil
}

// noDBService reports an Odoo of version 20 or later. When the version
// cannot be read, the db service is tried: its own error says more.
func (c *Client) noDBService(ctx context.Context) bool {
	major, err := c.Major(ctx)
	return err == nil && major >= 20
}
