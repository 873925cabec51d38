package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// maxUsageModels bounds the model label: model handles come from Letta's
// catalog, but a label set must stay bounded whatever Letta lists. Usage is
// never labelled by user.
const maxUsageModels = 64

type usageCounters struct {
	tokens *prometheus.CounterVec
	turns  *prometheus.CounterVec
	mu     sync.Mutex
	models map[string]bool
}

func (u *usageCounters) register(f func(prometheus.Collector)) {
	u.tokens = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "odoo_mcp_llm_tokens_total", Help: "Tokens of thread turns as Letta reports them, by model and kind (prompt, completion, cached, reasoning).",
	}, []string{"model", "kind"})
	u.turns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "odoo_mcp_llm_turns_total", Help: "Thread turns that reported usage, by model.",
	}, []string{"model"})
	u.models = map[string]bool{}
	f(u.tokens)
	f(u.turns)
}

func (u *usageCounters) label(model string) string {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.models[model] {
		return model
	}
	if len(u.models) >= maxUsageModels || model == "" {
		return "other"
	}
	u.models[model] = true
	return model
}

// TurnUsage counts one thread turn's tokens under its model.
func (m *Metrics) TurnUsage(model string, prompt, completion, cached, reasoning int) {
	if m == nil || m.usage.tokens == nil {
		return
	}
	l := m.usage.label(model)
	m.usage.turns.WithLabelValues(l).Inc()
	for kind, n := range map[string]int{"prompt": prompt, "completion": completion, "cached": cached, "reasoning": reasoning} {
		if n > 0 {
			m.usage.tokens.WithLabelValues(l, kind).Add(float64(n))
		}
	}
}
