package odoorpc

import (
	"context"
	"encoding/json"
	"fmt"
)

// DatabaseExists asks Odoo whether the configured database exists
// (db.db_exist), without a login: Odoo 16 to 19 answer it even when they
// do not list their databases. Odoo answers true for any database it can
// connect to, Odoo's or not; an Odoo without the db service (20 and
// later) answers with an error.
func (c *Client) DatabaseExists(ctx context.Context) (bool, error) {
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

// Databases lists the databases Odoo serves (db.list), without a login.
// An Odoo configured with list_db = False refuses (ErrAccessDenied).
func (c *Client) Databases(ctx context.Context) ([]string, error) {
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
