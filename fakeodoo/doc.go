// Package fakeodoo is a faithful, in-memory fake of an Odoo 18.0 or 19.0
// server, for tests and for the binary's demo mode.
//
// A *Server is an http.Handler. It answers the routes an external client
// uses, with Odoo's own status codes, envelopes, exception names, messages,
// key orders and (fake but realistic) Python tracebacks:
//
//   - POST /jsonrpc: services common (version, login, authenticate, about),
//     object (execute_kw, execute) and db (list, db_exist, server_version);
//   - POST /web/webclient/version_info and POST /web/session/authenticate;
//   - 19.0 only: GET /web/version, GET /json/version,
//     POST /json/2/<model>/<method> with "Authorization: bearer <API key>",
//     and GET /doc-bearer/index.json and /doc-bearer/<model>.json (api_doc:
//     fields and public methods with 19.0's signatures, for the admin);
//     on 18.0 /web/version is a 404 page and /json/... redirects (303) to the
//     login page, as a real 18.0 does.
//
// The ORM behind both protocols keeps records in memory: res.partner,
// res.partner.category, res.country, res.country.state, res.currency,
// res.company, res.users, product.product, sale.order, ir.model and
// ir.config_parameter, seeded with deterministic demo data. It implements
// search/search_read/read/search_count/create/write/unlink/fields_get/
// name_search/name_create/exists/read_group (and formatted_read_group on
// 19.0, with having and order), res.users.context_get,
// action_archive/action_unarchive, res.partner.address_get and
// find_or_create (methods with positional parameters), the full domain
// language, access rights per user, the context's allowed companies and
// language as Odoo checks them, two companies with the multi-company
// record rule and a company-dependent field (product.product.standard_price), date groups in the context's time zone
// (fixed offsets, no daylight saving time), validation errors, and
// transactions (a failing call changes nothing).
//
// Seeded users (both versions):
//
//	uid  login  password  API key              rights
//	2    admin  admin     AdminKey             everything
//	5    demo   demo      DemoKey              restricted internal user
//
// The demo user may read partners, tags, countries, states, currencies,
// companies, users, products, sale orders and ir.model; it may create and
// write partners but not delete them; it may not write or create users and
// may not read ir.config_parameter. Denials answer the AccessError message
// Odoo gives for that version.
//
// Odoo's reference transcripts (../shared/odoo-transcripts beside the
// checkout) are replayed against this package by its tests.
package fakeodoo
