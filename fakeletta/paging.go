package fakeletta

import (
	"net/http"
	"slices"
)

// pageAfter is Letta's cursor paging over a sorted list: the items after
// the one whose id is after (all of them when after is empty or unknown),
// at most limit of them (limit <= 0: no bound).
func pageAfter[T any](all []T, id func(T) string, after string, limit int) []T {
	if after != "" {
		if i := slices.IndexFunc(all, func(x T) bool { return id(x) == after }); i >= 0 {
			all = all[i+1:]
		}
	}
	if limit > 0 && len(all) > limit {
		all = all[:limit]
	}
	return all
}

// writeListLocked renders items while the server's lock is held (the
// caller took it), releases it, then answers the list.
func writeListLocked[T any](c *reqCtx, items []T, render func(T) map[string]any) {
	out := make([]any, len(items))
	for i, it := range items {
		out[i] = render(it)
	}
	c.s.mu.Unlock()
	writeJSON(c.w, http.StatusOK, out)
}
