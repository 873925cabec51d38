package letta

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Model is a chat model Letta offers. OLD answers LLMConfig objects, NEW
// Model objects (with the LLMConfig fields kept, deprecated); both carry
// `handle`, which is what agents' `model` takes. Only the version-neutral
// fields are decoded; Raw keeps the object.
type Model struct {
	// Handle is "provider/model-name". When the server leaves it null (OLD
	// LLMConfig.handle is optional) it is derived as provider_name/model,
	// else model_endpoint_type/model; HandleDerived is then true.
	Handle        string
	HandleDerived bool
	Name          string // NEW name, else model
	DisplayName   string
	ProviderType  string // NEW provider_type, else model_endpoint_type
	ProviderName  string
	EndpointType  string // model_endpoint_type
	ContextWindow int    // NEW max_context_window, else context_window
	Raw           json.RawMessage
}

type wireModel struct {
	Handle           *string `json:"handle"`
	Name             string  `json:"name"`
	Model            string  `json:"model"`
	DisplayName      string  `json:"display_name"`
	ProviderType     string  `json:"provider_type"`
	ProviderName     string  `json:"provider_name"`
	EndpointType     string  `json:"model_endpoint_type"`
	ContextWindow    int     `json:"context_window"`
	MaxContextWindow int     `json:"max_context_window"`
}

// UnmarshalJSON decodes either shape.
func (m *Model) UnmarshalJSON(b []byte) error {
	var w wireModel
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*m = Model{
		Name:          firstNonEmpty(w.Name, w.Model),
		DisplayName:   w.DisplayName,
		ProviderType:  firstNonEmpty(w.ProviderType, w.EndpointType),
		ProviderName:  w.ProviderName,
		EndpointType:  w.EndpointType,
		ContextWindow: w.MaxContextWindow,
		Raw:           append(json.RawMessage(nil), b...),
	}
	if m.ContextWindow == 0 {
		m.ContextWindow = w.ContextWindow
	}
	if w.Handle != nil && *w.Handle != "" {
		m.Handle = *w.Handle
	} else if model := firstNonEmpty(w.Model, w.Name); model != "" {
		if p := firstNonEmpty(w.ProviderName, w.EndpointType); p != "" {
			m.Handle, m.HandleDerived = p+"/"+model, true
		}
	}
	return nil
}

// EmbeddingModel is an embedding model (OLD EmbeddingConfig, NEW
// EmbeddingModel); Handle is what agents' `embedding` takes.
type EmbeddingModel struct {
	Handle        string // derived like Model.Handle when null
	HandleDerived bool
	Name          string // NEW name, else embedding_model
	DisplayName   string
	ProviderType  string // NEW provider_type, else embedding_endpoint_type
	ProviderName  string
	Dim           int
	Raw           json.RawMessage
}

// UnmarshalJSON decodes either shape.
func (m *EmbeddingModel) UnmarshalJSON(b []byte) error {
	var w struct {
		Handle         *string `json:"handle"`
		Name           string  `json:"name"`
		EmbeddingModel string  `json:"embedding_model"`
		DisplayName    string  `json:"display_name"`
		ProviderType   string  `json:"provider_type"`
		ProviderName   string  `json:"provider_name"`
		EndpointType   string  `json:"embedding_endpoint_type"`
		Dim            int     `json:"embedding_dim"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*m = EmbeddingModel{
		Name:         firstNonEmpty(w.Name, w.EmbeddingModel),
		DisplayName:  w.DisplayName,
		ProviderType: firstNonEmpty(w.ProviderType, w.EndpointType),
		ProviderName: w.ProviderName,
		Dim:          w.Dim,
		Raw:          append(json.RawMessage(nil), b...),
	}
	if w.Handle != nil && *w.Handle != "" {
		m.Handle = *w.Handle
	} else if model := firstNonEmpty(w.EmbeddingModel, w.Name); model != "" {
		if p := firstNonEmpty(w.ProviderName, w.EndpointType); p != "" {
			m.Handle, m.HandleDerived = p+"/"+model, true
		}
	}
	return nil
}

// ListModels lists chat models (GET /v1/models/). Entries without any
// handle are dropped.
func (c *Client) ListModels(ctx context.Context) ([]Model, error) {
	var ms []Model
	if err := c.do(ctx, http.MethodGet, "/v1/models/", nil, nil, &ms); err != nil {
		return nil, err
	}
	out := ms[:0]
	for _, m := range ms {
		if m.Handle != "" {
			out = append(out, m)
		}
	}
	c.modelMu.Lock()
	c.models, c.modelsTime = out, time.Now()
	c.modelMu.Unlock()
	return out, nil
}

// ListEmbeddingModels lists embedding models (GET /v1/models/embedding;
// not /v1/models/embeddings, a Letta Cloud route). Entries without any
// handle are dropped.
func (c *Client) ListEmbeddingModels(ctx context.Context) ([]EmbeddingModel, error) {
	var ms []EmbeddingModel
	if err := c.do(ctx, http.MethodGet, "/v1/models/embedding", nil, nil, &ms); err != nil {
		return nil, err
	}
	out := ms[:0]
	for _, m := range ms {
		if m.Handle != "" {
			out = append(out, m)
		}
	}
	return out, nil
}

// FindModel returns the chat model with the given handle, using the
// ListModels cache (OLD's /v1/models/ queries the providers each time).
func (c *Client) FindModel(ctx context.Context, handle string) (*Model, error) {
	c.modelMu.Lock()
	ms, fresh := c.models, c.opts.ModelCacheTTL > 0 && time.Since(c.modelsTime) < c.opts.ModelCacheTTL
	c.modelMu.Unlock()
	if !fresh || ms == nil {
		var err error
		if ms, err = c.ListModels(ctx); err != nil {
			return nil, err
		}
	}
	for i := range ms {
		if ms[i].Handle == handle {
			m := ms[i]
			return &m, nil
		}
	}
	return nil, fmt.Errorf("letta: model handle %q not offered by the server", handle)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
