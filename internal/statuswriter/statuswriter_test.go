package statuswriter

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestStatusIsTheFirstWritten(t *testing.T) {
	for _, c := range []struct {
		name  string
		write func(w http.ResponseWriter)
		want  int
	}{
		{"nothing", func(http.ResponseWriter) {}, 0},
		{"header", func(w http.ResponseWriter) { w.WriteHeader(http.StatusTeapot) }, http.StatusTeapot},
		{"body first", func(w http.ResponseWriter) { w.Write([]byte("x")); w.WriteHeader(http.StatusNotFound) }, http.StatusOK},
		{"two headers", func(w http.ResponseWriter) { w.WriteHeader(http.StatusAccepted); w.WriteHeader(http.StatusConflict) }, http.StatusAccepted},
	} {
		rec := httptest.NewRecorder()
		w := &Writer{ResponseWriter: rec}
		c.write(w)
		if w.Status != c.want {
			t.Errorf("%s: Status %d, want %d", c.name, w.Status, c.want)
		}
	}
	rec := httptest.NewRecorder()
	w := &Writer{ResponseWriter: rec}
	w.Flush()
	if !rec.Flushed || w.Unwrap() != rec {
		t.Error("Flush and Unwrap must reach the wrapped writer")
	}
}
