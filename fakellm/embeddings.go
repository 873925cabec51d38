package fakellm

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
)

// knownDims are the vector sizes of OpenAI's embedding models.
var knownDims = map[string]int{
	"text-embedding-3-small": 1536,
	"text-embedding-3-large": 3072,
	"text-embedding-ada-002": 1536,
}

func (s *Server) embeddings(w http.ResponseWriter, body []byte) {
	var req struct {
		Model          string          `json:"model"`
		Input          json.RawMessage `json:"input"`
		Dimensions     int             `json:"dimensions"`
		EncodingFormat string          `json:"encoding_format"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "We could not parse the JSON body of your request: "+err.Error(), "", "")
		return
	}
	inputs, err := embeddingInputs(req.Input)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", err.Error(), "input", "")
		return
	}
	dim := req.Dimensions
	if dim <= 0 {
		dim = knownDims[req.Model]
	}
	if dim <= 0 {
		dim = s.opts.EmbeddingDim
	}
	data := make([]any, 0, len(inputs))
	n := 0
	for i, in := range inputs {
		v := Vector(in, dim)
		n += len(in)
		var emb any = v
		if req.EncodingFormat == "base64" {
			b := make([]byte, 4*len(v))
			for j, f := range v {
				binary.LittleEndian.PutUint32(b[4*j:], math.Float32bits(f))
			}
			emb = base64.StdEncoding.EncodeToString(b)
		}
		data = append(data, map[string]any{"object": "embedding", "index": i, "embedding": emb})
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data, "model": req.Model,
		"usage": map[string]int{"prompt_tokens": tokens(n), "total_tokens": tokens(n)}})
}

// embeddingInputs accepts OpenAI's input forms: a string, strings, a token
// array or token arrays (tokens are hashed as their decimal text).
func embeddingInputs(raw json.RawMessage) ([]string, error) {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, nil
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil && len(many) > 0 {
		return many, nil
	}
	var toks []int
	if json.Unmarshal(raw, &toks) == nil && len(toks) > 0 {
		return []string{fmt.Sprint(toks)}, nil
	}
	var toksMany [][]int
	if json.Unmarshal(raw, &toksMany) == nil && len(toksMany) > 0 {
		out := make([]string, len(toksMany))
		for i, t := range toksMany {
			out[i] = fmt.Sprint(t)
		}
		return out, nil
	}
	return nil, fmt.Errorf("'input' must be a non-empty string, array of strings, array of tokens or array of token arrays")
}

// Vector is the deterministic unit vector of text: the same text always
// gives the same vector, different texts almost surely different ones.
func Vector(text string, dim int) []float32 {
	h := fnv.New64a()
	h.Write([]byte(text))
	x := h.Sum64() | 1
	v := make([]float32, dim)
	var norm float64
	for i := range v {
		// xorshift64*: cheap, deterministic, good enough spread.
		x ^= x >> 12
		x ^= x << 25
		x ^= x >> 27
		f := float64(int64(x*2685821657736338717)) / math.MaxInt64
		v[i] = float32(f)
		norm += f * f
	}
	norm = math.Sqrt(norm)
	for i := range v {
		v[i] = float32(float64(v[i]) / norm)
	}
	return v
}
