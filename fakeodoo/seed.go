package fakeodoo

import (
	"encoding/base64"
	"fmt"
	"time"
)

// Credentials of the seeded users. The keys are fixed so that tests and the
// demo mode can use them directly; they work only against this fake.
const (
	AdminLogin    = "admin"
	AdminPassword = "admin"
	AdminKey      = "2955d44b446523a716168d0191b5a504e98a7b74"
	AdminUID      = 2

	DemoLogin    = "demo"
	DemoPassword = "demo"
	DemoKey      = "f0a041066037f2643554224841f12cb61d62dcb5"
	DemoUID      = 5
)

// seedTime is the create_date / write_date of seeded records.
var seedTime = time.Date(2025, 1, 15, 9, 30, 0, 0, time.UTC)

type seedRow struct {
	id   int64
	vals map[string]any
}

// seed fills a new database with deterministic demo data.
func (s *Server) seed() {
	e := &env{s: s, db: s.db, models: s.models, major: s.major, uid: 1, su: true, ctx: map[string]any{}, now: seedTime}
	put := func(model string, rows ...seedRow) {
		m := s.models[model]
		for _, r := range rows {
			t := e.table(m)
			if r.id < t.next {
				panic(fmt.Sprintf("fakeodoo: seed %s id %d out of order", model, r.id))
			}
			t.next = r.id
			if _, err := e.create(m, r.vals); err != nil {
				panic(fmt.Sprintf("fakeodoo: seed %s %d: %v", model, r.id, err))
			}
		}
	}
	row := func(id int64, kv ...any) seedRow {
		vals := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			vals[kv[i].(string)] = kv[i+1]
		}
		return seedRow{id, vals}
	}

	put("res.currency",
		row(1, "name", "USD", "full_name", "United States dollar", "symbol", "$", "position", "before"),
		row(2, "name", "EUR", "full_name", "Euro", "symbol", "€", "position", "after"),
		row(3, "name", "GBP", "full_name", "Pound sterling", "symbol", "£", "position", "before"),
		row(4, "name", "CHF", "full_name", "Swiss franc", "symbol", "CHF", "position", "after"),
	)
	country := func(id int64, code, name string, phone int64, cur int64) seedRow {
		return row(id, "code", code, "name", name, "phone_code", phone, "currency_id", cur)
	}
	put("res.country",
		country(13, "AU", "Australia", 61, 0), country(20, "BE", "Belgium", 32, 2), country(31, "BR", "Brazil", 55, 0),
		country(38, "CA", "Canada", 1, 0), country(43, "CH", "Switzerland", 41, 4), country(49, "CN", "China", 86, 0),
		country(57, "DE", "Germany", 49, 2), country(60, "DK", "Denmark", 45, 0), country(68, "ES", "Spain", 34, 2),
		country(75, "FR", "France", 33, 2), country(104, "IN", "India", 91, 0), country(113, "JP", "Japan", 81, 0),
		country(128, "LI", "Liechtenstein", 423, 4), country(139, "ME", "Montenegro", 382, 2),
		country(165, "NL", "Netherlands", 31, 2), country(203, "SM", "San Marino", 378, 2),
		country(231, "GB", "United Kingdom", 44, 3), country(233, "US", "United States", 1, 1),
	)
	put("res.country.state",
		row(1, "country_id", int64(233), "code", "CA", "name", "California"),
		row(2, "country_id", int64(233), "code", "FL", "name", "Florida"),
		row(3, "country_id", int64(233), "code", "IL", "name", "Illinois"),
		row(4, "country_id", int64(233), "code", "NY", "name", "New York"),
		row(5, "country_id", int64(233), "code", "PA", "name", "Pennsylvania"),
		row(6, "country_id", int64(233), "code", "TX", "name", "Texas"),
		row(7, "country_id", int64(233), "code", "WA", "name", "Washington"),
		row(8, "country_id", int64(20), "code", "BRU", "name", "Brussels"),
	)
	put("res.partner.category",
		row(1, "name", "Vendor", "color", int64(1)),
		row(2, "name", "Desk Manufacturers", "parent_id", int64(1), "color", int64(2)),
		row(3, "name", "Office Supplies", "parent_id", int64(1), "color", int64(3)),
		row(4, "name", "Prospects", "color", int64(4)),
		row(5, "name", "Customer", "color", int64(5)),
		row(6, "name", "Gold", "parent_id", int64(5), "color", int64(6)),
		row(7, "name", "Silver", "parent_id", int64(5), "color", int64(7)),
		row(8, "name", "Legacy", "active", false),
	)

	const us, be = int64(233), int64(20)
	company := func(id int64, name, email, phone, street, city, zip string, state, country int64, tags ...any) seedRow {
		r := row(id, "name", name, "is_company", true, "email", email, "phone", phone, "street", street, "city", city,
			"zip", zip, "country_id", country, "image_1920", logoPNG(id), "category_id", tags, "customer_rank", int64(1))
		if state != 0 {
			r.vals["state_id"] = state
		}
		return r
	}
	person := func(id, parent int64, name, email, function string) seedRow {
		return row(id, "name", name, "parent_id", parent, "email", email, "function", function)
	}
	put("res.partner",
		row(1, "name", "YourCompany", "is_company", true, "email", "info@yourcompany.com", "phone", "+1 555-555-5556",
			"street", "250 Executive Park Blvd, Suite 3400", "city", "San Francisco", "zip", "94134", "state_id", int64(1),
			"country_id", us, "website", "http://www.example.com", "image_1920", logoPNG(1)),
		row(2, "name", "OdooBot", "email", "odoobot@example.com", "active", false),
		row(3, "name", "Mitchell Admin", "email", "admin@yourcompany.example.com", "phone", "+1 555-555-5555",
			"street", "215 Vine St", "city", "Scranton", "zip", "18503", "state_id", int64(5), "country_id", us,
			"tz", "Europe/Brussels", "function", "Chief Executive Officer"),
		row(4, "name", "Public user", "active", false),
		row(5, "name", "Default User Template", "active", false),
		row(6, "name", "Marc Demo", "parent_id", int64(1), "email", "mark.brown23@example.com", "phone", "(441)-695-2334",
			"street", "3575 Buena Vista Avenue", "city", "Eugene", "zip", "97401", "country_id", us,
			"tz", "Europe/Brussels", "function", "Sales Representative"),
		company(7, "Azure Interior", "azure.Interior24@example.com", "(870)-931-0505", "4557 De Silva St", "Fremont", "94538", 1, us, int64(5), int64(6)),
		person(8, 7, "Brandon Freeman", "brandon.freeman55@example.com", "Creative Director"),
		person(9, 7, "Colleen Diaz", "colleen.diaz83@example.com", "Business Executive"),
		person(10, 7, "Nicole Ford", "nicole.ford75@example.com", "Director"),
		row(11, "parent_id", int64(7), "type", "invoice", "street", "4557 De Silva St", "city", "Fremont", "zip", "94538",
			"country_id", us, "email", "accounting@azure-interior.example.com"),
		company(12, "Deco Addict", "deco_addict@example.com", "(603)-996-3829", "77 Santa Barbara Rd", "Pleasant Hill", "94523", 1, us, int64(5), int64(7)),
		person(13, 12, "Addison Olson", "addison.olson28@example.com", "Purchase Manager"),
		person(14, 12, "Douglas Fletcher", "douglas.fletcher51@example.com", "Functional Consultant"),
		person(15, 12, "Floyd Steward", "floyd.steward34@example.com", "Analyst"),
		company(16, "Gemini Furniture", "gemini.furniture39@example.com", "(941)-284-4875", "317 Fairchild Dr", "Fairfield", "94535", 1, us, int64(1), int64(3)),
		person(17, 16, "Edwin Hansen", "edwin.hansen58@example.com", "Marketing Manager"),
		person(18, 16, "Jesse Brown", "jesse.brown74@example.com", "Senior Consultant"),
		person(19, 16, "Oscar Morgan", "oscar.morgan11@example.com", "Order Clerk"),
		person(20, 16, "Soham Palmer", "soham.palmer15@example.com", "Chief Operations Officer"),
		company(21, "Lumber Inc", "lumber-inv92@example.com", "(828)-316-0593", "1337 N San Joaquin St", "Stockton", "95202", 1, us, int64(1), int64(2)),
		person(22, 21, "Lorraine Douglas", "lorraine.douglas35@example.com", "Functional Consultant"),
		company(23, "Ready Mat", "ready.mat28@example.com", "(803)-873-6126", "7500 W Linne Road", "Tracy", "95304", 1, us, int64(4), int64(7)),
		person(24, 23, "Billy Fox", "billy.fox45@example.com", "Production Supervisor"),
		person(25, 23, "Julie Richards", "julie.richards84@example.com", "Financial Manager"),
		person(26, 23, "Kim Snyder", "kim.snyder96@example.com", "Senior Consultant"),
		company(27, "The Jackson Group", "jackson.group82@example.com", "(334)-502-1024", "1611 Peony Dr", "Tracy", "95377", 1, us),
		person(28, 27, "Gordon Owens", "gordon.owens47@example.com", "Consultant"),
		person(29, 27, "Toni Rhodes", "toni.rhodes11@example.com", "Managing Partner"),
		company(30, "Wood Corner", "wood.corner26@example.com", "(623)-853-7197", "1839 Arbor Way", "Turlock", "95380", 1, us, int64(5), int64(6)),
		person(31, 30, "Ron Gibson", "ron.gibson76@example.com", "Sales Manager"),
		person(32, 30, "Willie Burke", "willie.burke80@example.com", "Service Manager"),
		company(33, "OpenWood", "wow@example.com", "+32 2 290 34 90", "Rue de la Loi 1", "Brussels", "1000", 8, be, int64(4)),
		company(34, "Acme Corporation", "info@acme.example.com", "+423 230 12 34", "Städtle 11", "Vaduz", "9490", 0, 128, int64(4)),
		company(35, "Bergmann Logistik GmbH", "kontakt@bergmann.example.de", "+49 40 1234567", "Hafenstraße 12", "Hamburg", "20095", 0, 57),
		company(36, "Chalet Mont-Blanc SA", "info@chalet-mb.example.ch", "+41 22 555 01 01", "Rue du Rhône 8", "Genève", "1204", 0, 43, int64(1)),
		company(37, "Le Petit Atelier", "bonjour@petitatelier.example.fr", "+33 4 72 00 00 00", "12 Rue Mercière", "Lyon", "69002", 0, 75, int64(5)),
		row(38, "name", "Northwind Traders", "is_company", true, "email", "sales@northwind.example.com", "image_1920", logoPNG(38)),
		row(39, "name", "Old Supplier Ltd", "is_company", true, "email", "accounts@oldsupplier.example.co.uk", "country_id", int64(231),
			"active", false, "category_id", []any{int64(1), int64(8)}),
		row(40, "name", "Julia Meyer", "email", "julia.meyer@example.de", "city", "Berlin", "country_id", int64(57), "lang", "en_US",
			"comment", "<p>Met at the <b>Berlin</b> trade fair; interested in standing desks.</p>"),
		row(41, "name", "Sam Carter", "email", "sam.carter@example.com", "phone", "+1 212-555-0142", "city", "New York",
			"state_id", int64(4), "country_id", us, "category_id", []any{int64(4)}),
		person(42, 37, "Pierre Durand", "pierre.durand@petitatelier.example.fr", "Gérant"),
		person(43, 35, "Hannah Weber", "h.weber@bergmann.example.de", "Einkauf"),
		row(44, "name", "Azure Warehouse", "parent_id", int64(7), "type", "delivery", "street", "12 Industrial Pkwy",
			"city", "Fremont", "zip", "94538", "country_id", us),
	)
	put("res.company", row(1, "name", "YourCompany", "partner_id", int64(1), "currency_id", int64(1), "email", "info@yourcompany.com",
		"phone", "+1 555-555-5556", "website", "http://www.example.com", "street", "250 Executive Park Blvd, Suite 3400",
		"city", "San Francisco", "zip", "94134", "country_id", us, "sequence", int64(0)),
		// a second company, for allowed_company_ids and company-dependent values
		row(2, "name", "YourCompany Europe", "partner_id", int64(1), "currency_id", int64(1), "email", "europe@yourcompany.com",
			"city", "Brussels", "country_id", int64(20), "sequence", int64(1)))
	partners := s.models["res.partner"]
	for _, id := range e.allIDs(partners) {
		if id <= 6 || id == 40 || id == 41 || id == 42 || id == 43 {
			e.row(partners, id).vals["company_id"] = int64(1)
		}
	}
	put("res.users",
		row(1, "login", "__system__", "partner_id", int64(2), "active", false),
		row(2, "login", AdminLogin, "partner_id", int64(3), "password", AdminPassword, "signature", "<p>Mitchell Admin</p>"),
		row(3, "login", "public", "partner_id", int64(4), "active", false),
		row(4, "login", "default", "partner_id", int64(5), "active", false),
		row(DemoUID, "login", DemoLogin, "partner_id", int64(6), "password", DemoPassword, "signature", "<p>Marc Demo</p>"),
	)
	s.db.accounts[1].admin = true
	s.db.accounts[AdminUID].admin = true
	// The admin works in both companies, the demo user in the first; one
	// order and one product cost belong to the second.
	e.row(s.models["res.users"], AdminUID).vals["company_ids"] = []int64{1, 2}
	s.db.keys[AdminKey] = AdminUID
	s.db.keys[DemoKey] = DemoUID
	for id, uid := range map[int64]int64{7: 2, 12: 2, 16: DemoUID, 23: DemoUID, 30: 2} {
		e.row(partners, id).vals["user_id"] = uid
	}

	product := func(id int64, code, name string, price, cost float64, kv ...any) seedRow {
		r := row(id, append([]any{"name", name, "list_price", price, "standard_price", cost}, kv...)...)
		if code != "" {
			r.vals["default_code"] = code
		}
		return r
	}
	put("product.product",
		product(1, "FURN_7800", "Desk Combination", 450, 300, "barcode", "2100000000011", "weight", 35.5),
		product(2, "FURN_0269", "Office Chair Black", 120.5, 90, "barcode", "2100000000028", "is_favorite", true),
		product(3, "FURN_8888", "Office Lamp", 40, 25),
		product(4, "FURN_6666", "Acoustic Bloc Screens", 295, 200),
		product(5, "E-COM06", "Corner Desk Right Sit", 147, 100, "description_sale", "Corner desk with right-hand return."),
		product(6, "E-COM07", "Large Cabinet", 320, 250),
		product(7, "E-COM08", "Storage Box", 15.8, 10),
		product(8, "E-COM09", "Large Desk", 1799, 1299),
		product(9, "E-COM10", "Pedal Bin", 47, 30),
		product(10, "E-COM11", "Cabinet with Doors", 140, 120),
		product(11, "FURN_8999", "Three-Seat Sofa", 1500, 1000),
		product(12, "", "Virtual Home Staging", 38.25, 25, "type", "service", "purchase_ok", false),
		product(13, "SERV_CONS", "Consulting Hours", 90, 60, "type", "service"),
		product(14, "FURN_0001", "Old Bookshelf", 75, 50, "active", false),
	)
	order := func(id, partner int64, state, date string, untaxed float64, ref string) seedRow {
		// two salespeople, so that totals per salesperson differ
		seller := int64(AdminUID)
		if id%3 == 2 {
			seller = DemoUID
		}
		return row(id, "partner_id", partner, "state", state, "date_order", date, "amount_untaxed", untaxed,
			"amount_tax", untaxed*0.15, "amount_total", untaxed*1.15, "client_order_ref", ref, "user_id", seller)
	}
	put("sale.order",
		order(1, 7, "draft", "2025-01-10 10:00:00", 1000, ""),
		order(2, 12, "sent", "2025-01-12 14:30:00", 2390, "DA-2025-001"),
		order(3, 16, "sale", "2024-12-03 09:15:00", 7200, "GF/PO/4471"),
		order(4, 23, "sale", "2024-11-20 16:45:00", 455.8, ""),
		order(5, 30, "cancel", "2024-10-05 11:00:00", 147, ""),
		order(6, 8, "draft", "2025-01-14 08:20:00", 1799, ""),
		order(7, 33, "sale", "2024-12-18 13:05:00", 3000, "OW-77"),
		order(8, 40, "draft", "2025-01-15 09:00:00", 295, ""),
	)
	e.row(s.models["sale.order"], 7).vals["company_id"] = int64(2)
	e.row(s.models["product.product"], 2).vals["standard_price@2"] = 95.0
	params := [][2]string{
		{"base.login_cooldown_after_failure", "10"},
		{"database.create_date", seedTime.Format(dtLayout)},
		{"database.uuid", "8a0f3f5e-0c9d-4c1b-9d7e-2f6c3b1a5e40"},
		{"mail.catchall.domain", "example.com"},
		{"web.base.url", "http://localhost:8069"},
	}
	for i, p := range params {
		put("ir.config_parameter", row(int64(i+1), "key", p[0], "value", p[1]))
	}
	put("ir.attachment",
		row(1, "name", "azure_logo.png", "res_model", "res.partner", "res_id", int64(7), "datas", logoPNG(7)),
		row(2, "name", "quotation_terms.txt", "res_model", "sale.order", "res_id", int64(1),
			"datas", base64.StdEncoding.EncodeToString([]byte("Payment within 30 days. Delivery ex works.\n"))),
		row(3, "name", "Odoo documentation", "type", "url", "url", "https://www.odoo.com/documentation"),
	)
	irModel := s.models["ir.model"]
	ids := map[string]int64{}
	for i, name := range sortedModelNames(s.models) {
		m := s.models[name]
		ids[name] = int64(i + 1)
		put("ir.model", row(int64(i+1), "model", name, "name", m.desc, "state", "base", "transient", false))
	}
	for _, name := range sortedModelNames(s.models) {
		var inh []int64
		for _, p := range s.models[name].inherits {
			inh = append(inh, ids[p])
		}
		if inh != nil {
			e.row(irModel, ids[name]).vals["inherited_model_ids"] = inh
		}
	}
}
