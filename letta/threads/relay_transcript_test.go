package threads

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"github.com/odoo-mcp/odoo-mcp/internal/golden"
	"github.com/odoo-mcp/odoo-mcp/letta"
)

// TestRelayTranscripts replays each testdata/relay/*.txtar: the Letta
// stream in its letta.sse section goes through the relay, and what the
// caller receives must be its reply.sse section, byte for byte. The
// archive's comment says what the case shows. A new case needs only its
// letta.sse: go test ./letta/threads/ -run TestRelayTranscripts -update
// writes the reply (review it before committing).
func TestRelayTranscripts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "relay", "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts in testdata/relay (%v)", err)
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			in, want := section(ar, "letta.sse"), section(ar, "reply.sse")
			if in == nil {
				t.Fatalf("%s has no letta.sse section: the Letta stream to relay", path)
			}
			rec := httptest.NewRecorder()
			relay(context.Background(), letta.ParseStream(bytes.NewReader(in.Data), 0), newSSEWriter(rec, http.NewResponseController(rec)), time.Hour)
			got := rec.Body.Bytes()
			if want != nil && !golden.Update() {
				if err := golden.CompareText(path+": reply.sse", want.Data, got); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want == nil && golden.InCI() && !golden.Update() {
				t.Fatalf("%s has no reply.sse section: write it with go test ./letta/threads/ -run TestRelayTranscripts -update, review it and commit it", path)
			}
			if want == nil {
				ar.Files = append(ar.Files, txtar.File{Name: "reply.sse"})
				want = &ar.Files[len(ar.Files)-1]
			}
			want.Data = got
			if err := os.WriteFile(path, txtar.Format(ar), 0o644); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func section(ar *txtar.Archive, name string) *txtar.File {
	for i := range ar.Files {
		if ar.Files[i].Name == name {
			return &ar.Files[i]
		}
	}
	return nil
}
