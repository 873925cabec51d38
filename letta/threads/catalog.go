package threads

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/odoo-mcp/odoo-mcp/letta"
)

// catalog caches Letta's chat and embedding models to validate
// declarations without asking Letta each time (OLD asks its providers on
// every GET /v1/models/). An unknown handle refreshes the cache first, so a
// model added to Letta is accepted at once.
type catalog struct {
	ttl time.Duration

	mu         sync.Mutex
	models     []letta.Model
	embeddings []letta.EmbeddingModel
	at         time.Time
}

// minRefresh keeps a stream of bad handles from hammering Letta.
const minRefresh = 5 * time.Second

// Freshness wanted of modelLists.
const (
	cachedLists  = iota // within the cache TTL
	refreshLists        // re-read unless read in the last minRefresh
	freshLists          // always re-read
)

func (o *Orchestrator) modelLists(ctx context.Context, want int) ([]letta.Model, []letta.EmbeddingModel, error) {
	c := &o.cat
	c.mu.Lock()
	defer c.mu.Unlock()
	age := o.now().Sub(c.at)
	if c.models != nil && want != freshLists && age < c.ttl && (want == cachedLists || age < minRefresh) {
		return c.models, c.embeddings, nil
	}
	ms, err := o.letta.ListModels(ctx)
	if err != nil {
		return nil, nil, lettaFailure("listing Letta's models", err)
	}
	es, err := o.letta.ListEmbeddingModels(ctx)
	if err != nil {
		return nil, nil, lettaFailure("listing Letta's embedding models", err)
	}
	c.models, c.embeddings, c.at = ms, es, o.now()
	return ms, es, nil
}

func modelHandles(ms []letta.Model) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.Handle)
	}
	return out
}

func embeddingHandles(es []letta.EmbeddingModel) []string {
	out := make([]string, 0, len(es))
	for _, e := range es {
		out = append(out, e.Handle)
	}
	return out
}

// checkModels validates a chat handle and an embedding handle ("" = none
// asked) against Letta's lists: 422 listing the valid ones when unknown.
func (o *Orchestrator) checkModels(ctx context.Context, model, embedding string) error {
	known := func(ms []letta.Model, es []letta.EmbeddingModel) (bool, bool) {
		return slices.Contains(modelHandles(ms), model), embedding == "" || slices.Contains(embeddingHandles(es), embedding)
	}
	ms, es, err := o.modelLists(ctx, cachedLists)
	if err != nil {
		return err
	}
	okModel, okEmb := known(ms, es)
	if !okModel || !okEmb {
		if ms, es, err = o.modelLists(ctx, refreshLists); err != nil {
			return err
		}
		okModel, okEmb = known(ms, es)
	}
	if !okModel {
		return unprocessable("unknown_model", fmt.Sprintf("model %q is not offered by Letta", model), modelHandles(ms))
	}
	if !okEmb {
		return unprocessable("unknown_embedding", fmt.Sprintf("embedding model %q is not offered by Letta", embedding), embeddingHandles(es))
	}
	return nil
}

// defaultEmbedding is the configured embedding handle, else Letta's first
// ("" when Letta lists none: NEW then needs none, OLD will say so).
func (o *Orchestrator) defaultEmbedding(ctx context.Context) (string, error) {
	_, es, err := o.modelLists(ctx, cachedLists)
	if err != nil {
		return "", err
	}
	if d := o.opts.DefaultEmbedding; d != "" {
		if !slices.Contains(embeddingHandles(es), d) {
			if _, es, err = o.modelLists(ctx, refreshLists); err != nil {
				return "", err
			}
			if !slices.Contains(embeddingHandles(es), d) {
				return "", &Error{Status: 502, Code: "letta_bad_default_embedding",
					Message: fmt.Sprintf("the configured default embedding %q (LETTA_DEFAULT_EMBEDDING) is not offered by Letta", d),
					Valid:   embeddingHandles(es)}
			}
		}
		return d, nil
	}
	if len(es) == 0 {
		return "", nil
	}
	return es[0].Handle, nil
}

// Models is the answer of GET /api/v1/models.
type Models struct {
	Models           []ModelInfo     `json:"models"`
	EmbeddingModels  []EmbeddingInfo `json:"embedding_models"`
	DefaultEmbedding string          `json:"default_embedding,omitempty"`
}

// ModelInfo is one chat model.
type ModelInfo struct {
	Handle        string `json:"handle"`
	Name          string `json:"name,omitempty"`
	DisplayName   string `json:"display_name,omitempty"`
	Provider      string `json:"provider,omitempty"`
	ContextWindow int    `json:"context_window,omitempty"`
}

// EmbeddingInfo is one embedding model.
type EmbeddingInfo struct {
	Handle      string `json:"handle"`
	Name        string `json:"name,omitempty"`
	DisplayName string `json:"display_name,omitempty"`
	Provider    string `json:"provider,omitempty"`
	Dimensions  int    `json:"dimensions,omitempty"`
}

// ListModels lists Letta's chat and embedding handles, asked afresh.
func (o *Orchestrator) ListModels(ctx context.Context) (*Models, error) {
	ms, es, err := o.modelLists(ctx, freshLists)
	if err != nil {
		return nil, err
	}
	out := &Models{Models: []ModelInfo{}, EmbeddingModels: []EmbeddingInfo{}}
	for _, m := range ms {
		out.Models = append(out.Models, ModelInfo{Handle: m.Handle, Name: m.Name, DisplayName: m.DisplayName,
			Provider: firstNonEmpty(m.ProviderName, m.ProviderType), ContextWindow: m.ContextWindow})
	}
	for _, e := range es {
		out.EmbeddingModels = append(out.EmbeddingModels, EmbeddingInfo{Handle: e.Handle, Name: e.Name, DisplayName: e.DisplayName,
			Provider: firstNonEmpty(e.ProviderName, e.ProviderType), Dimensions: e.Dim})
	}
	if d, err := o.defaultEmbedding(ctx); err == nil {
		out.DefaultEmbedding = d
	}
	return out, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
