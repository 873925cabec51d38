package fakeodoo

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

var logos sync.Map // seed -> base64 PNG

// logoPNG is a deterministic 64x64 PNG (base64), different per seed: the
// image_1920 of seeded companies, large enough for field trimming to
// matter.
func logoPNG(seed int64) string {
	if v, ok := logos.Load(seed); ok {
		return v.(string)
	}
	const size = 64
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	state := uint32(seed*2654435761 + 1)
	next := func() uint32 { // xorshift: deterministic noise, so PNG does not compress it away
		state ^= state << 13
		state ^= state >> 17
		state ^= state << 5
		return state
	}
	base := color.NRGBA{R: uint8(40 + seed*37%180), G: uint8(60 + seed*71%160), B: uint8(90 + seed*53%150), A: 255}
	for y := range size {
		for x := range size {
			n := uint8(next() % 48)
			c := base
			if (x/8+y/8)%2 == 0 {
				c.R, c.G, c.B = c.R/2+n, c.G/2+n, c.B/2+n
			} else {
				c.R, c.G, c.B = c.R+n/2, c.G+n/2, c.B+n/2
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return ""
	}
	s := base64.StdEncoding.EncodeToString(b.Bytes())
	logos.Store(seed, s)
	return s
}

// placeholderAvatar is the SVG avatar Odoo generates for records without an
// image: the initial on a coloured square, base64-encoded.
func placeholderAvatar(name string) string {
	initial := "?"
	if r, _ := utf8.DecodeRuneInString(strings.TrimSpace(name)); r != utf8.RuneError {
		initial = string(unicode.ToUpper(r))
	}
	hues := []string{"#875a7b", "#5f8dc3", "#c36a5f", "#5fc38a", "#c3a85f", "#8a5fc3"}
	sum := 0
	for _, r := range name {
		sum += int(r)
	}
	svg := fmt.Sprintf(`<?xml version='1.0' encoding='UTF-8' ?><svg height='180' width='180' xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink'>`+
		`<rect fill='%s' height='180' width='180'/><text fill='#ffffff' font-size='96' text-anchor='middle' x='90' y='125' font-family='sans-serif'>%s</text></svg>`,
		hues[sum%len(hues)], html.EscapeString(initial))
	return base64.StdEncoding.EncodeToString([]byte(svg))
}
