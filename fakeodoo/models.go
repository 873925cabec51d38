package fakeodoo

import (
	"fmt"
	"strings"
)

// Group labels used in AccessError messages, [18.0, 19.0].
var (
	grpInternal = [2]string{"User types / Internal User", "Role / User"}
	grpSettings = [2]string{"Administration/Settings", "Role / Administrator"}
	grpRights   = [2]string{"Administration/Access Rights", "Access Rights"}
	grpContact  = [2]string{"Extra Rights/Contact Creation", "Contact/Creation"}
	grpSalesAdm = [2]string{"Sales/Administrator", "Sales / Administrator"}
	grpSalesman = [2]string{"Sales/User: Own Documents Only", "Sales / User: Own Documents Only"}
)

func groups(read, write [2]string) accessGroups {
	return accessGroups{"read": read, "write": write, "create": write, "unlink": write}
}

// logAccess are the magic fields the ORM maintains itself.
var logAccess = map[string]bool{"create_uid": true, "create_date": true, "write_uid": true, "write_date": true}

func constV(v any) func(*env, *model, *record) any {
	return func(*env, *model, *record) any { return v }
}

func idField() *field { return fInt("id", "ID").ro() }

func displayNameField() *field {
	return fChar("display_name", "Display Name").comp(func(e *env, m *model, r *record) any { return e.displayName(m, r) })
}

func magicFields() []*field {
	return []*field{
		fM2O("create_uid", "Created by", "res.users").ro(),
		fDatetime("create_date", "Created on").ro(),
		fM2O("write_uid", "Last Updated by", "res.users").ro(),
		fDatetime("write_date", "Last Updated on").ro(),
	}
}

func fields(groups ...[]*field) []*field {
	var out []*field
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

var (
	langSel = [][2]string{{"en_US", "English (US)"}}
	tzSel   = [][2]string{
		{"America/Chicago", "America/Chicago"}, {"America/Los_Angeles", "America/Los_Angeles"},
		{"America/New_York", "America/New_York"}, {"America/Sao_Paulo", "America/Sao_Paulo"},
		{"Asia/Kolkata", "Asia/Kolkata"}, {"Asia/Shanghai", "Asia/Shanghai"}, {"Asia/Tokyo", "Asia/Tokyo"},
		{"Australia/Sydney", "Australia/Sydney"}, {"Europe/Berlin", "Europe/Berlin"},
		{"Europe/Brussels", "Europe/Brussels"}, {"Europe/London", "Europe/London"},
		{"Europe/Madrid", "Europe/Madrid"}, {"Europe/Paris", "Europe/Paris"}, {"Europe/Zurich", "Europe/Zurich"},
		{"UTC", "UTC"},
	}
	tzOffsets = map[string]string{
		"America/Chicago": "-0600", "America/Los_Angeles": "-0800", "America/New_York": "-0500",
		"America/Sao_Paulo": "-0300", "Asia/Kolkata": "+0530", "Asia/Shanghai": "+0800", "Asia/Tokyo": "+0900",
		"Australia/Sydney": "+1100", "Europe/Berlin": "+0100", "Europe/Brussels": "+0100",
		"Europe/London": "+0000", "Europe/Madrid": "+0100", "Europe/Paris": "+0100", "Europe/Zurich": "+0100",
	}
	partnerTypeSel   = [][2]string{{"contact", "Contact"}, {"invoice", "Invoice"}, {"delivery", "Delivery"}, {"other", "Other"}}
	partnerTypeSel18 = [][2]string{{"contact", "Contact"}, {"invoice", "Invoice Address"}, {"delivery", "Delivery Address"}, {"other", "Other Address"}}
)

func (f *field) rw() *field { f.readonly = false; return f }

func allModels() []*model {
	return []*model{
		partnerModel(), categoryModel(), countryModel(), stateModel(), currencyModel(), companyModel(),
		usersModel(), productModel(), saleOrderModel(), irModelModel(), configParameterModel(), attachmentModel(),
	}
}

// partner helpers

func commercialPartner(e *env, m *model, r *record) *record {
	seen := map[int64]bool{}
	for !e.boolean(m, r, "is_company") && !seen[r.id] {
		seen[r.id] = true
		pid := e.id(m, r, "parent_id")
		p := e.row(m, pid)
		if p == nil {
			break
		}
		r = p
	}
	return r
}

func commercialCompanyName(e *env, m *model, r *record) string {
	c := commercialPartner(e, m, r)
	if e.boolean(m, c, "is_company") {
		return e.str(m, c, "name")
	}
	return e.str(m, r, "company_name")
}

func selLabel(e *env, m *model, name, key string) string {
	for _, o := range m.field(name).selection(e.major) {
		if o[0] == key {
			return o[1]
		}
	}
	return key
}

// partnerDisplay is res.partner._get_complete_name.
func partnerDisplay(e *env, m *model, r *record) string {
	name := e.str(m, r, "name")
	typ := e.str(m, r, "type")
	if e.str(m, r, "company_name") != "" || e.id(m, r, "parent_id") != 0 {
		if name == "" && typ != "contact" && typ != "" {
			name = selLabel(e, m, "type", typ)
		}
		if !e.boolean(m, r, "is_company") {
			prefix := commercialCompanyName(e, m, r)
			if prefix == "" {
				if p := e.row(m, e.id(m, r, "parent_id")); p != nil {
					prefix = e.str(m, p, "name")
				}
			}
			name = prefix + ", " + name
		}
	}
	return strings.TrimSpace(name)
}

func partnerAddress(e *env, m *model, r *record, sep string) string {
	var parts []string
	if c := commercialCompanyName(e, m, r); c != "" && c != e.str(m, r, "name") {
		parts = append(parts, c)
	}
	for _, k := range []string{"street", "street2"} {
		if s := e.str(m, r, k); s != "" {
			parts = append(parts, s)
		}
	}
	city := strings.TrimSpace(e.str(m, r, "city") + " " + e.str(m, r, "zip"))
	if city != "" {
		parts = append(parts, city)
	}
	if cid := e.id(m, r, "country_id"); cid != 0 {
		parts = append(parts, e.displayNameOf("res.country", cid))
	}
	return strings.Join(parts, sep)
}

func partnerModel() *model {
	img := func(e *env, m *model, r *record) any { return e.str(m, r, "image_1920") }
	avatar := func(e *env, m *model, r *record) any {
		if s := e.str(m, r, "image_1920"); s != "" {
			return s
		}
		return placeholderAvatar(e.displayName(m, r))
	}
	empty := constV(int64(0))
	none := constV([]int64(nil))
	f := fields(
		[]*field{
			idField(),
			displayNameField(),
			fBool("message_is_follower", "Is Follower").comp(constV(false)),
			fO2M("message_follower_ids", "Followers", "mail.followers", "res_id"),
			fM2M("message_partner_ids", "Followers (Partners)", "res.partner").comp(none).rw(),
			fO2M("message_ids", "Messages", "mail.message", "res_id"),
			fBool("has_message", "Has Message").comp(constV(false)),
			fBool("message_needaction", "Action Needed").comp(constV(false)).h("If checked, new messages require your attention."),
			fInt("message_needaction_counter", "Number of Actions").comp(empty).h("Number of messages requiring action"),
			fBool("message_has_error", "Message Delivery error").comp(constV(false)).h("If checked, some messages have a delivery error."),
			fInt("message_has_error_counter", "Number of errors").comp(empty).h("Number of messages with delivery error"),
			fInt("message_attachment_count", "Attachment Count").comp(empty),
			fO2M("website_message_ids", "Website Messages", "mail.message", "res_id").h("Website communication history"),
			fChar("email_normalized", "Normalized Email").scomp(func(e *env, m *model, r *record) any {
				return normalizeEmail(e.str(m, r, "email"))
			}).h("This field is used to search on email address as the primary email field can contain more than strictly an email address."),
			fBool("is_blacklisted", "Blacklist").comp(constV(false)).h("If the email address is on the blacklist, the contact won't receive mass mailing anymore, from any list"),
			fInt("message_bounce", "Bounce").h("Counter of the number of bounced emails for this contact"),
			fO2M("activity_ids", "Activities", "mail.activity", "res_id"),
			fSel("activity_state", "Activity State", [2]string{"overdue", "Overdue"}, [2]string{"today", "Today"}, [2]string{"planned", "Planned"}).comp(constV("")).
				h("Status based on activities\nOverdue: Due date is already passed\nToday: Activity date is today\nPlanned: Future activities."),
			fM2O("activity_user_id", "Responsible User", "res.users").comp(empty),
			fM2O("activity_type_id", "Next Activity Type", "mail.activity.type").comp(empty).rw(),
			fDate("activity_date_deadline", "Next Activity Deadline").comp(constV("")),
			fChar("activity_summary", "Next Activity Summary").comp(constV("")).rw(),
			fSel("activity_exception_decoration", "Activity Exception Decoration", [2]string{"warning", "Alert"}, [2]string{"danger", "Error"}).
				comp(constV("")).h("Type of the exception activity on record."),
			fChar("activity_exception_icon", "Icon").comp(constV("")).h("Icon to indicate an exception activity."),
			fBinary("image_1920", "Image"),
			fBinary("image_1024", "Image 1024").scomp(img),
			fBinary("image_512", "Image 512").scomp(img),
			fBinary("image_256", "Image 256").scomp(img),
			fBinary("image_128", "Image 128").scomp(img),
			fBinary("avatar_1920", "Avatar").comp(avatar),
			fBinary("avatar_1024", "Avatar 1024").comp(avatar),
			fBinary("avatar_512", "Avatar 512").comp(avatar),
			fBinary("avatar_256", "Avatar 256").comp(avatar),
			fBinary("avatar_128", "Avatar 128").comp(avatar),
			fChar("name", "Name"),
			fChar("complete_name", "Complete Name").scomp(func(e *env, m *model, r *record) any { return partnerDisplay(e, m, r) }),
			fM2O("parent_id", "Related Company", "res.partner"),
			fChar("parent_name", "Parent name").comp(func(e *env, m *model, r *record) any {
				if p := e.row(m, e.id(m, r, "parent_id")); p != nil {
					return e.str(m, p, "name")
				}
				return ""
			}),
			fO2M("child_ids", "Contact", "res.partner", "parent_id"),
			fChar("ref", "Reference"),
			fSel("lang", "Language", langSel...).def("en_US").h("All the emails and documents sent to this contact will be translated in this language."),
			fInt("active_lang_count", "Active Lang Count").comp(constV(int64(1))),
			fSel("tz", "Timezone", tzSel...).h("When printing documents and exporting/importing data, time values are computed according to this timezone.\n" +
				"If the timezone is not set, UTC (Coordinated Universal Time) is used.\nAnywhere else, time values are computed according to the time offset of your web client."),
			fChar("tz_offset", "Timezone offset").comp(func(e *env, m *model, r *record) any {
				if o, ok := tzOffsets[e.str(m, r, "tz")]; ok {
					return o
				}
				return "+0000"
			}),
			fM2O("user_id", "Salesperson", "res.users").h("The internal user in charge of this contact."),
			fChar("vat", "Tax ID").h("The Tax Identification Number. Values here will be validated based on the country format. You can use '/' to indicate that the partner is not subject to tax."),
			fM2O("same_vat_partner_id", "Partner with same Tax ID", "res.partner").comp(func(e *env, m *model, r *record) any {
				vat := e.str(m, r, "vat")
				if vat == "" {
					return int64(0)
				}
				for _, id := range e.allIDs(m) {
					o := e.row(m, id)
					if id != r.id && e.str(m, o, "vat") == vat && e.id(m, o, "parent_id") == 0 {
						return id
					}
				}
				return int64(0)
			}),
			fChar("company_registry", "Company ID").h("The registry number of the company. Use it if it is different from the Tax ID. It must be unique across all partners of a same country"),
			fO2M("bank_ids", "Banks", "res.partner.bank", "partner_id"),
			fChar("website", "Website Link"),
			fHTML("comment", "Notes"),
			fM2M("category_id", "Tags", "res.partner.category"),
			fBool("active", "Active").def(true),
			fBool("employee", "Employee").h("Check this box if this contact is an Employee."),
			fChar("function", "Job Position"),
			fSel("type", "Address Type", partnerTypeSel...).sel18s(partnerTypeSel18...).def("contact"),
			fChar("street", "Street"),
			fChar("street2", "Street2"),
			fChar("zip", "Zip"),
			fChar("city", "City"),
			fM2O("state_id", "State", "res.country.state").od("restrict"),
			fM2O("country_id", "Country", "res.country").od("restrict"),
			fChar("country_code", "Country Code").comp(func(e *env, m *model, r *record) any {
				if c := e.row(e.models["res.country"], e.id(m, r, "country_id")); c != nil {
					return e.str(e.models["res.country"], c, "code")
				}
				return ""
			}).h("The ISO country code in two chars. \nYou can use this field for quick search."),
			fFloat("partner_latitude", "Geo Latitude"),
			fFloat("partner_longitude", "Geo Longitude"),
			fChar("email", "Email"),
			fChar("email_formatted", "Formatted Email").comp(func(e *env, m *model, r *record) any {
				if em := e.str(m, r, "email"); em != "" {
					return fmt.Sprintf("%q <%s>", e.str(m, r, "name"), em)
				}
				return ""
			}).h(`Format email address "Name <email@domain>"`),
			fChar("phone", "Phone"),
			fChar("mobile", "Mobile").v(18),
			fBool("is_company", "Is a Company").def(false).h("Check if the contact is a company, otherwise it is a person"),
			fBool("is_public", "Is Public").comp(func(e *env, m *model, r *record) any { return r.id == 4 }),
			fM2O("industry_id", "Industry", "res.partner.industry"),
			fSel("company_type", "Company Type", [2]string{"person", "Person"}, [2]string{"company", "Company"}).
				sel18s([2]string{"person", "Individual"}, [2]string{"company", "Company"}).comp(func(e *env, m *model, r *record) any {
				if e.boolean(m, r, "is_company") {
					return "company"
				}
				return "person"
			}).rw(),
			fM2O("company_id", "Company", "res.company"),
			fInt("color", "Color Index"),
			fO2M("user_ids", "Users", "res.users", "partner_id"),
			fBool("partner_share", "Share Partner").scomp(func(e *env, m *model, r *record) any {
				users := e.models["res.users"]
				for _, uid := range e.allIDs(users) {
					u := e.row(users, uid)
					if e.id(users, u, "partner_id") == r.id && !e.boolean(users, u, "share") {
						return false
					}
				}
				return true
			}).h("Either customer (not a user), either shared user. Indicated the current partner is a customer without access or with a limited access created for sharing data."),
			fChar("contact_address", "Complete Address").comp(func(e *env, m *model, r *record) any { return partnerAddress(e, m, r, "\n") }),
			fM2O("commercial_partner_id", "Commercial Entity", "res.partner").scomp(func(e *env, m *model, r *record) any {
				return commercialPartner(e, m, r).id
			}),
			fChar("commercial_company_name", "Company Name Entity").scomp(func(e *env, m *model, r *record) any { return commercialCompanyName(e, m, r) }),
			fChar("company_name", "Company Name"),
			fChar("barcode", "Barcode").h("Use a barcode to identify this contact."),
			fM2O("self", "Self", "res.partner").comp(func(e *env, m *model, r *record) any { return r.id }),
		},
		magicFields(),
		[]*field{
			fM2M("channel_ids", "Channels", "discuss.channel"),
			fChar("contact_address_inline", "Inlined Complete Address").comp(func(e *env, m *model, r *record) any { return partnerAddress(e, m, r, ", ") }),
			fChar("im_status", "IM Status").comp(func(e *env, m *model, r *record) any {
				if len(e.o2mIDs(m.field("user_ids"), r.id)) > 0 {
					return "offline"
				}
				return "im_partner"
			}),
			fChar("signup_type", "Signup Token Type"),
			fChar("phone_sanitized", "Sanitized Number").scomp(func(e *env, m *model, r *record) any {
				return sanitizePhone(e.str(m, r, "phone"))
			}).h("Field used to store sanitized phone number. Helps speeding up searches and comparisons."),
			fM2O("property_product_pricelist", "Pricelist", "product.pricelist").comp(empty).rw().v(19).h("Used for sales to the current partner"),
			fM2O("property_product_pricelist", "Pricelist", "product.pricelist").comp(empty).rw().v(18).
				h("This pricelist will be used, instead of the default one, for sales to the current partner"),
			fMoney("credit", "Total Receivable").comp(constV(0.0)).h("Total amount this customer owes you."),
			fFloat("credit_limit", "Credit Limit").h("Credit limit specific to this partner."),
			fMoney("debit", "Total Payable").comp(constV(0.0)).h("Total amount you have to pay to this vendor."),
			fMoney("total_invoiced", "Total Invoiced").comp(constV(0.0)),
			fM2O("currency_id", "Currency", "res.currency").comp(constV(int64(1))),
			fM2O("property_account_position_id", "Fiscal Position", "account.fiscal.position").h("The fiscal position determines the taxes/accounts used for this contact."),
			fM2O("property_payment_term_id", "Customer Payment Terms", "account.payment.term").v(19),
			fM2O("property_payment_term_id", "Customer Payment Terms", "account.payment.term").v(18).
				h("This payment term will be used instead of the default one for sales orders and customer invoices"),
			fO2M("invoice_ids", "Invoices", "account.move", "partner_id").ro(),
			fSel("trust", "Degree of trust you have in this debtor", [2]string{"good", "Good Debtor"}, [2]string{"normal", "Normal Debtor"}, [2]string{"bad", "Bad Debtor"}).def("normal"),
			fInt("supplier_rank", "Supplier Rank"),
			fInt("customer_rank", "Customer Rank"),
			fSel("autopost_bills", "Auto-post bills", [2]string{"always", "Always"}, [2]string{"ask", "Ask after 3 validations without edits"}, [2]string{"never", "Never"}).
				req().def("ask").h("Automatically post bills for this trusted partner"),
			fInt("sale_order_count", "Sale Order Count").comp(func(e *env, m *model, r *record) any {
				return int64(len(e.o2mIDs(m.field("sale_order_ids"), r.id)))
			}),
			fO2M("sale_order_ids", "Sales Order", "sale.order", "partner_id"),
			fText("sale_warn_msg", "Message for Sales Order"),
		},
	)
	return &model{
		name: "res.partner", desc: "Contact", module: "account, base, contacts, mail, sale",
		order: "complete_name ASC, id DESC", parent: "parent_id",
		nameSrch: []string{"complete_name", "email", "ref", "vat", "company_registry"},
		fields:   f, display: partnerDisplay,
		access: groups(grpInternal, grpContact),
		prepare: func(vals map[string]any) {
			if ct, ok := vals["company_type"]; ok {
				vals["is_company"] = ct == "company"
			}
		},
		check: func(e *env, m *model, r *record) error {
			if e.str(m, r, "name") == "" && (e.str(m, r, "type") == "contact" || e.str(m, r, "type") == "") {
				return e.errSQL("psycopg2.errors.CheckViolation",
					`new row for relation "res_partner" violates check constraint "res_partner_check_name"`,
					"The operation cannot be completed: Contacts require a name")
			}
			if hasCycle(e, m, r, "parent_id") {
				line := map[bool]int{true: 544, false: 461}[e.major >= 19]
				return e.errValidation("You cannot create recursive Partner hierarchies.",
					frn(pResPart, line, "_check_parent_id", "raise ValidationError(_('You cannot create recursive Partner hierarchies.'))"))
			}
			return nil
		},
	}
}

// hasCycle reports whether following the parent field from r comes back to r.
func hasCycle(e *env, m *model, r *record, parent string) bool {
	seen := map[int64]bool{}
	cur := r
	for cur != nil {
		if seen[cur.id] {
			return true
		}
		seen[cur.id] = true
		cur = e.row(m, e.id(m, cur, parent))
	}
	return false
}

func normalizeEmail(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '<'); i >= 0 {
		s = strings.TrimSuffix(s[i+1:], ">")
	}
	return strings.ToLower(strings.TrimSpace(s))
}

func sanitizePhone(s string) string {
	var b strings.Builder
	for i, c := range s {
		if c >= '0' && c <= '9' || c == '+' && i == 0 {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func categoryModel() *model {
	return &model{
		name: "res.partner.category", desc: "Partner Tags", module: "base", order: "name, id", parent: "parent_id",
		access: groups(grpInternal, grpContact),
		fields: fields([]*field{
			idField(), displayNameField(),
			fChar("name", "Name").req(),
			fInt("color", "Color"),
			fM2O("parent_id", "Category", "res.partner.category").od("cascade"),
			fO2M("child_ids", "Child Tags", "res.partner.category", "parent_id"),
			fBool("active", "Active").def(true).h("The active field allows you to hide the category without removing it."),
			fM2M("partner_ids", "Partners", "res.partner").comp(func(e *env, m *model, r *record) any {
				pm := e.models["res.partner"]
				var ids []int64
				for _, id := range e.allIDs(pm) {
					p := e.row(pm, id)
					if containsID(relIDs(p.vals["category_id"]), r.id) && e.visible(pm, p) {
						ids = append(ids, id)
					}
				}
				return ids
			}),
		}, magicFields()),
		display: func(e *env, m *model, r *record) string {
			names := []string{e.str(m, r, "name")}
			seen := map[int64]bool{r.id: true}
			for p := e.row(m, e.id(m, r, "parent_id")); p != nil && !seen[p.id]; p = e.row(m, e.id(m, p, "parent_id")) {
				seen[p.id] = true
				names = append([]string{e.str(m, p, "name")}, names...)
			}
			return strings.Join(names, " / ")
		},
		check: func(e *env, m *model, r *record) error {
			if hasCycle(e, m, r, "parent_id") {
				return e.errValidation("You can not create recursive tags.")
			}
			return nil
		},
	}
}

func countryModel() *model {
	return &model{
		name: "res.country", desc: "Country", module: "account, base", order: "name, id",
		access: groups(grpInternal, grpSettings),
		unique: []uniqueKey{{"name", "The name of the country must be unique!"}, {"code", "The code of the country must be unique!"}},
		fields: fields([]*field{
			idField(), displayNameField(),
			fChar("name", "Country Name").req().h("The full name of the country."),
			fChar("code", "Country Code").req().h("The ISO country code in two chars. \nYou can use this field for quick search."),
			fInt("phone_code", "Country Calling Code"),
			fM2O("currency_id", "Currency", "res.currency"),
			fO2M("state_ids", "States", "res.country.state", "country_id"),
			fChar("vat_label", "Vat Label").h("Use this field if you want to change vat label."),
		}, magicFields()),
		prepare: func(vals map[string]any) {
			if c, ok := vals["code"].(string); ok {
				vals["code"] = strings.ToUpper(c)
			}
		},
	}
}

func stateModel() *model {
	return &model{
		name: "res.country.state", desc: "Country state", module: "base", order: "country_id, code, id",
		access:   groups(grpInternal, grpSettings),
		nameSrch: []string{"name", "code"},
		fields: fields([]*field{
			idField(), displayNameField(),
			fM2O("country_id", "Country", "res.country").req(),
			fChar("name", "State Name").req().h("Administrative divisions of a country. E.g. Fed. State, Departement, Canton"),
			fChar("code", "State Code").req().h("The state code."),
		}, magicFields()),
		display: func(e *env, m *model, r *record) string {
			cc := ""
			if c := e.row(e.models["res.country"], e.id(m, r, "country_id")); c != nil {
				cc = e.str(e.models["res.country"], c, "code")
			}
			return fmt.Sprintf("%s (%s)", e.str(m, r, "name"), cc)
		},
	}
}

func currencyModel() *model {
	return &model{
		name: "res.currency", desc: "Currency", module: "base", order: "active desc, name, id",
		access: groups(grpInternal, grpSettings),
		unique: []uniqueKey{{"name", "The currency code must be unique!"}},
		fields: fields([]*field{
			idField(), displayNameField(),
			fChar("name", "Currency").req().h("Currency Code (ISO 4217)"),
			fChar("full_name", "Name"),
			fChar("symbol", "Symbol").req().h("Currency sign, to be used when printing amounts."),
			fFloat("rounding", "Rounding Factor").def(0.01),
			fInt("decimal_places", "Decimal Places").comp(func(e *env, m *model, r *record) any {
				x, _ := e.getName(m, r, "rounding").(float64)
				n := int64(0)
				for x > 0 && x < 1 && n < 6 {
					x *= 10
					n++
				}
				return n
			}),
			fSel("position", "Symbol Position", [2]string{"after", "After Amount"}, [2]string{"before", "Before Amount"}).def("after").
				h("Determines where the currency symbol should be placed after or before the amount."),
			fBool("active", "Active").def(true),
		}, magicFields()),
	}
}

func companyModel() *model {
	return &model{
		name: "res.company", desc: "Companies", module: "account, base, mail, sale", order: "sequence, name, id", parent: "parent_id",
		access: groups(grpInternal, grpSettings),
		fields: fields([]*field{
			idField(), displayNameField(),
			fChar("name", "Company Name").req(),
			fM2O("partner_id", "Partner", "res.partner").req().od("restrict"),
			fM2O("currency_id", "Currency", "res.currency").req().def(int64(1)),
			fM2O("parent_id", "Parent Company", "res.company"),
			fO2M("child_ids", "Branches", "res.company", "parent_id"),
			fInt("sequence", "Sequence").def(int64(10)).h("Used to order Companies in the company switcher"),
			fChar("email", "Email"),
			fChar("phone", "Phone"),
			fChar("website", "Website Link"),
			fChar("vat", "Tax ID"),
			fChar("street", "Street"),
			fChar("city", "City"),
			fChar("zip", "Zip"),
			fM2O("country_id", "Country", "res.country"),
			fBool("active", "Active").def(true),
		}, magicFields()),
	}
}

func usersModel() *model {
	return &model{
		name: "res.users", desc: "User", module: "base, mail, resource, sale", order: "name, login, id", recName: "name",
		nameSrch: []string{"name", "login"},
		access:   groups(grpInternal, grpRights),
		unique:   nil, // login uniqueness is checked in afterSave (message differs per version)
		fields: fields([]*field{
			idField(), displayNameField(),
			fChar("name", "Name").rel("partner_id.name"),
			fChar("login", "Login").req().h("Used to log into the system"),
			func() *field {
				f := fChar("password", "Password").h("Keep empty if you don't want the user to be able to connect on the system.")
				f.noCopy = true
				return f
			}(),
			fM2O("partner_id", "Related Partner", "res.partner").req().od("restrict").h("Partner-related data of the user"),
			fChar("email", "Email").rel("partner_id.email"),
			fChar("phone", "Phone").rel("partner_id.phone"),
			fSel("lang", "Language", langSel...).rel("partner_id.lang").h("All the emails and documents sent to this contact will be translated in this language."),
			fSel("tz", "Timezone", tzSel...).rel("partner_id.tz"),
			fBool("active", "Active").def(true),
			fM2O("company_id", "Company", "res.company").req().def(int64(1)).h("The default company for this user."),
			fM2M("company_ids", "Companies", "res.company").def([]any{int64(1)}),
			fBool("share", "Share User").scomp(func(e *env, m *model, r *record) any {
				return e.str(m, r, "login") == "public"
			}).h("External user with limited access, created only for the purpose of sharing data."),
			fDatetime("login_date", "Latest authentication").comp(constV("")),
			fHTML("signature", "Email Signature"),
			fSel("notification_type", "Notification", [2]string{"email", "Handle by Emails"}, [2]string{"inbox", "Handle in Odoo"}).req().def("email").
				h("Policy on how to handle Chatter notifications:\n- Handle by Emails: notifications are sent to your email address\n- Handle in Odoo: notifications appear in your Odoo Inbox"),
			fBinary("image_1920", "Image").rel("partner_id.image_1920"),
			fBinary("avatar_128", "Avatar 128").rel("partner_id.avatar_128"),
		}, magicFields()),
		inherits: []string{"res.partner"},
		onCreate: func(e *env, m *model, vals map[string]any) error {
			if pid, ok := vals["partner_id"]; ok && pyTruthy(pid) {
				return nil
			}
			pvals := map[string]any{"name": vals["name"], "company_id": int64(1)}
			for _, k := range []string{"email", "phone", "lang", "tz", "image_1920"} {
				if v, ok := vals[k]; ok {
					pvals[k] = v
				}
			}
			pid, err := e.sudo().create(e.models["res.partner"], pvals)
			if err != nil {
				return err
			}
			vals["partner_id"] = pid
			return nil
		},
		afterSave: func(e *env, m *model, r *record, vals map[string]any, created bool) error {
			login := e.str(m, r, "login")
			for _, id := range e.allIDs(m) {
				if id != r.id && e.str(m, e.row(m, id), "login") == login {
					msg := "You can not have two users with the same login !"
					if e.major >= 19 {
						msg = "You can not have two users with the same login!"
					}
					return e.errSQL("psycopg2.errors.UniqueViolation",
						`duplicate key value violates unique constraint "res_users_login_key"`, "The operation cannot be completed: "+msg)
				}
			}
			a := e.db.accounts[r.id]
			if a == nil {
				a = &account{access: internalAccess()}
				e.db.accounts[r.id] = a
			}
			if pw, ok := vals["password"].(string); ok {
				a.password = pw
			}
			delete(r.vals, "password")
			return nil
		},
		onUnlink: func(e *env, m *model, ids []int64) error {
			for _, id := range ids {
				if id == 1 || id == 2 {
					return e.errUser("You can not remove the admin user as it is used internally for resources created by Odoo (updates, module installation, ...)")
				}
			}
			for _, id := range ids {
				delete(e.db.accounts, id)
				for k, uid := range e.db.keys {
					if uid == id {
						delete(e.db.keys, k)
					}
				}
			}
			return nil
		},
	}
}

func productModel() *model {
	return &model{
		name: "product.product", desc: "Product Variant", module: "account, product, sale", order: "is_favorite desc, default_code, name, id",
		access:   groups(grpInternal, grpSalesAdm),
		nameSrch: []string{"default_code", "name", "barcode"},
		fields: fields([]*field{
			idField(), displayNameField(),
			fChar("name", "Name").req(),
			fChar("default_code", "Internal Reference"),
			fChar("barcode", "Barcode").h("International Article Number used for product identification."),
			fSel("type", "Product Type", [2]string{"consu", "Goods"}, [2]string{"service", "Service"}, [2]string{"combo", "Combo"}).req().def("consu").
				h("Goods are tangible materials and merchandise you provide.\nA service is a non-material product you provide."),
			fFloat("list_price", "Sales Price").def(1.0).h("Price at which the product is sold to customers."),
			fFloat("standard_price", "Cost").cdep().h("Value of the product (automatically computed in AVCO).\n        Used to value the product when the purchase cost is not known (e.g. inventory adjustment).\n        Used to compute margins on sale orders."),
			fBool("sale_ok", "Can be Sold").def(true),
			fBool("purchase_ok", "Can be Purchased").def(true),
			fBool("is_favorite", "Favorite"),
			fText("description_sale", "Sales Description").h("A description of the Product that you want to communicate to your customers. This description will be copied to every Sales Order, Delivery Order and Customer Invoice/Credit Note"),
			fFloat("weight", "Weight"),
			fFloat("volume", "Volume"),
			fM2O("currency_id", "Currency", "res.currency").comp(constV(int64(1))),
			fM2O("company_id", "Company", "res.company"),
			fBool("active", "Active").def(true).h("If unchecked, it will allow you to hide the product without removing it."),
		}, magicFields()),
		display: func(e *env, m *model, r *record) string {
			if c := e.str(m, r, "default_code"); c != "" {
				return "[" + c + "] " + e.str(m, r, "name")
			}
			return e.str(m, r, "name")
		},
	}
}

func saleOrderModel() *model {
	return &model{
		name: "sale.order", desc: "Sales Order", module: "sale", order: "date_order desc, id desc",
		access:   groups(grpSalesman, grpSalesman),
		nameSrch: []string{"name", "client_order_ref"},
		fields: fields([]*field{
			idField(), displayNameField(),
			fChar("name", "Order Reference").req(),
			fSel("state", "Status", [2]string{"draft", "Quotation"}, [2]string{"sent", "Quotation Sent"}, [2]string{"sale", "Sales Order"}, [2]string{"cancel", "Cancelled"}).def("draft"),
			fM2O("partner_id", "Customer", "res.partner").req(),
			fDatetime("date_order", "Order Date").req().h("Creation date of draft/sent orders,\nConfirmation date of confirmed orders."),
			fDate("validity_date", "Expiration").h("Validity of the order, after that you will not able to sign & pay the quotation."),
			fChar("client_order_ref", "Customer Reference"),
			fChar("origin", "Source Document").h("Reference of the document that generated this sales order request"),
			fM2O("user_id", "Salesperson", "res.users"),
			fM2O("company_id", "Company", "res.company").req().def(int64(1)),
			fM2O("currency_id", "Currency", "res.currency").comp(constV(int64(1))),
			fMoney("amount_untaxed", "Untaxed Amount"),
			fMoney("amount_tax", "Taxes"),
			fMoney("amount_total", "Total"),
			fSel("invoice_status", "Invoice Status", [2]string{"upselling", "Upselling Opportunity"}, [2]string{"invoiced", "Fully Invoiced"},
				[2]string{"to invoice", "To Invoice"}, [2]string{"no", "Nothing to Invoice"}).def("no"),
			fHTML("note", "Terms and conditions"),
		}, magicFields()),
		onCreate: func(e *env, m *model, vals map[string]any) error {
			if n, _ := vals["name"].(string); n == "" || n == "New" {
				e.db.seq["sale.order"]++
				vals["name"] = fmt.Sprintf("S%05d", e.db.seq["sale.order"])
			}
			if _, ok := vals["date_order"]; !ok {
				vals["date_order"] = e.timestamp()
			}
			if _, ok := vals["user_id"]; !ok {
				vals["user_id"] = e.uid
			}
			return nil
		},
	}
}

func irModelModel() *model {
	return &model{
		name: "ir.model", desc: "Models", module: "base", order: "model, id",
		access:   groups(grpInternal, grpSettings),
		nameSrch: []string{"model", "name"},
		fields: fields([]*field{
			idField(), displayNameField(),
			fChar("name", "Model Description").req(),
			fChar("model", "Model").req().def("x_"),
			fText("info", "Information"),
			fM2M("inherited_model_ids", "Inherited models", "ir.model").ro().h("The list of models that extends the current model."),
			fSel("state", "Type", [2]string{"manual", "Custom Object"}, [2]string{"base", "Base Object"}).def("manual"),
			fBool("transient", "Transient Model"),
			fChar("modules", "In Apps").comp(func(e *env, m *model, r *record) any {
				if mm := e.models[e.str(m, r, "model")]; mm != nil {
					return mm.module
				}
				return ""
			}).h("List of modules in which the object is defined or inherited"),
			fInt("count", "Count (Incl. Archived)").comp(func(e *env, m *model, r *record) any {
				if t := e.db.tables[e.str(m, r, "model")]; t != nil {
					return int64(len(t.rows))
				}
				return int64(0)
			}).h("Total number of records in this model"),
		}, magicFields()),
		unique: []uniqueKey{{"model", "Each model must have a unique name."}},
	}
}

func configParameterModel() *model {
	return &model{
		name: "ir.config_parameter", desc: "System Parameter", module: "base", order: "key, id", recName: "key",
		access: groups(grpSettings, grpSettings),
		unique: []uniqueKey{{"key", "Key must be unique."}},
		fields: fields([]*field{
			idField(), displayNameField(),
			fChar("key", "Key").req(),
			fText("value", "Value").req(),
		}, magicFields()),
	}
}
