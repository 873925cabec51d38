package fakeletta

import (
	"regexp"
	"sort"
	"strings"
)

// templateRe is Letta's TEMPLATED_VARIABLE_REGEX
// (letta/functions/mcp_client/types.py, same at 0.11.7 and 0.16.8).
var templateRe = regexp.MustCompile(`\{\{\s*([A-Z_][A-Z0-9_]*)\s*(?:\|\s*([^}]+?)\s*)?\}\}`)

// ResolveValue resolves the {{ VAR | default }} templates of one header value
// (or auth token) as Letta's get_tool_variable does: each template becomes
// env[VAR] when the key exists (even if its value is empty), else the literal
// default text, else stays as it is; if any template is left unresolved —
// or a substituted value itself looks like a template — the whole original
// value is returned unchanged. A value without templates is returned as is.
func ResolveValue(value string, env map[string]string) string {
	if !templateRe.MatchString(value) {
		return value
	}
	result := templateRe.ReplaceAllStringFunc(value, func(match string) string {
		sub := templateRe.FindStringSubmatch(match)
		if v, ok := env[sub[1]]; ok {
			return v
		}
		if sub[2] != "" {
			return sub[2]
		}
		return match
	})
	if templateRe.MatchString(result) {
		return value
	}
	return result
}

// ResolveHeaders resolves the templates of an MCP server's custom_headers as
// Letta does before connecting (resolve_custom_headers). version selects the
// behaviour: "0.16.8" (NEW, and any version starting with "0.16") first
// sanitises every entry — keys and values trimmed, one pair of surrounding
// quotes stripped, trailing ':' removed from keys — while "0.11.7" (OLD) uses
// keys and values as given. env is the executing agent's variables (nil when
// Letta lists or syncs tools, so only defaults apply). A nil map yields nil.
func ResolveHeaders(headers map[string]string, env map[string]string, version string) map[string]string {
	if headers == nil {
		return nil
	}
	sanitize := isNewVersion(version)
	out := make(map[string]string, len(headers))
	keys := make([]string, 0, len(headers))
	for k := range headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		key, value := k, headers[k]
		if sanitize {
			key, value = sanitizeHeaderKey(key), sanitizeHeaderValue(value)
		}
		out[key] = ResolveValue(value, env)
	}
	return out
}

// sanitizeHeaderKey ports BaseServerConfig._sanitize_dict_key (NEW).
func sanitizeHeaderKey(key string) string {
	key = stripOneQuotePair(strings.TrimSpace(key))
	key = strings.TrimRight(key, ":")
	return strings.TrimSpace(key)
}

// sanitizeHeaderValue ports BaseServerConfig._sanitize_dict_value (NEW).
func sanitizeHeaderValue(value string) string {
	return stripOneQuotePair(strings.TrimSpace(value))
}

func stripOneQuotePair(s string) string {
	for _, q := range []string{`"`, `'`} {
		if strings.HasPrefix(s, q) && strings.HasSuffix(s, q) {
			if len(s) < 2 {
				return ""
			}
			return s[1 : len(s)-1]
		}
	}
	return s
}

// isNewVersion reports whether a Letta version string behaves like 0.16.8.
func isNewVersion(version string) bool {
	return version == "" || !strings.HasPrefix(version, "0.11.")
}
