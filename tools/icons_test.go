package tools

import (
	"encoding/base64"
	"encoding/xml"
	"strings"
	"testing"
)

// TestIconsAreSmallValidSVG: every tool's icon (and the server's) is a
// well-formed SVG data URI of a few hundred bytes, and each tool has its
// own glyph.
func TestIconsAreSmallValidSVG(t *testing.T) {
	seen := map[string]string{}
	for _, tool := range Inventory() {
		icons := ToolIcons(tool.Def.Name)
		if len(icons) != 1 || icons[0].MIMEType != "image/svg+xml" {
			t.Fatalf("%s: %+v", tool.Def.Name, icons)
		}
		b64, ok := strings.CutPrefix(icons[0].Source, "data:image/svg+xml;base64,")
		if !ok {
			t.Fatalf("%s: not an SVG data URI", tool.Def.Name)
		}
		svg, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(svg) > 1024 {
			t.Fatalf("%s: %d bytes, %v", tool.Def.Name, len(svg), err)
		}
		d := xml.NewDecoder(strings.NewReader(string(svg)))
		for {
			if _, err := d.Token(); err != nil {
				if err.Error() != "EOF" {
					t.Fatalf("%s: not well-formed: %v", tool.Def.Name, err)
				}
				break
			}
		}
		if other, dup := seen[b64]; dup {
			t.Errorf("%s has the icon of %s", tool.Def.Name, other)
		}
		seen[b64] = tool.Def.Name
	}
}
