package odoorpc

import "github.com/odoo-mcp/odoo-mcp/internal/jsonscan"

// rpcResult finds the "result" member of a JSON-RPC answer without
// decoding it: body must be valid JSON (the caller checks with json.Valid).
// ok is false when the answer is not a plain success (an "error" member, a
// key with escapes, not an object): the caller then decodes it in full.
// found is false when there is no "result" (a method that returned None).
func rpcResult(body []byte) (result []byte, found, ok bool) {
	i := jsonscan.SkipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return nil, false, false
	}
	i = jsonscan.SkipSpace(body, i+1)
	if i < len(body) && body[i] == '}' {
		return nil, false, true
	}
	for i < len(body) {
		if body[i] != '"' {
			return nil, false, false
		}
		end := i + 1
		for end < len(body) && body[end] != '"' {
			if body[end] == '\\' {
				return nil, false, false
			}
			end++
		}
		key := body[i+1 : end]
		i = jsonscan.SkipSpace(body, end+1)
		if i >= len(body) || body[i] != ':' {
			return nil, false, false
		}
		i = jsonscan.SkipSpace(body, i+1)
		vend := jsonscan.SkipValue(body, i)
		if vend < 0 {
			return nil, false, false
		}
		switch string(key) {
		case "error":
			return nil, false, false
		case "result":
			result, found = body[i:vend], true
		}
		i = jsonscan.SkipSpace(body, vend)
		if i >= len(body) {
			return nil, false, false
		}
		switch body[i] {
		case ',':
			i = jsonscan.SkipSpace(body, i+1)
		case '}':
			return result, found, true
		default:
			return nil, false, false
		}
	}
	return nil, false, false
}
