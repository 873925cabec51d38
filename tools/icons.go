package tools

import (
	"encoding/base64"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Icons are small SVGs carried inline as data URIs (MCP 2025-11-25,
// SEP-973): a client shows them without fetching anything, so they work
// offline and leak nothing about who looks at them. One glyph per tool on
// Odoo's purple; a tool without its own glyph gets the server's.

const (
	svgOpen  = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><rect width="24" height="24" rx="5" fill="#714B67"/><g fill="none" stroke="#fff" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">`
	svgClose = `</g></svg>`
)

// glyphs are the white strokes drawn on the purple square, by tool.
var glyphs = map[string]string{
	"odoo_record_retriever":      `<circle cx="10.5" cy="10.5" r="4.5"/><path d="M14 14l4.5 4.5"/>`,
	"odoo_record_creator":        `<path d="M12 6v12M6 12h12"/>`,
	"odoo_record_updater":        `<path d="M6 18l1-4 8-8 3 3-8 8z"/>`,
	"odoo_record_unlinker":       `<path d="M7 8h10M10 8V6h4v2M8 8l1 10h6l1-10"/>`,
	"odoo_model_method_executor": `<path d="M9 7l8 5-8 5z"/>`,
	"odoo_model_inspector":       `<path d="M7 7h10M7 12h10M7 17h6"/>`,
	"odoo_record_aggregator":     `<path d="M7 18V12M12 18V7M17 18v-4"/>`,
}

// serverGlyph is Odoo's "o".
const serverGlyph = `<circle cx="12" cy="12" r="5"/>`

func svgIcon(glyph string) []mcp.Icon {
	svg := svgOpen + glyph + svgClose
	return []mcp.Icon{{
		Source:   "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(svg)),
		MIMEType: "image/svg+xml",
		Sizes:    []string{"any"},
	}}
}

// ToolIcons is the icon of a tool (the server's when it has none of its own).
func ToolIcons(name string) []mcp.Icon {
	if g, ok := glyphs[name]; ok {
		return svgIcon(g)
	}
	return svgIcon(serverGlyph)
}

// ServerIcons is odoo-mcp's own icon, for the server's Implementation.
func ServerIcons() []mcp.Icon { return svgIcon(serverGlyph) }
