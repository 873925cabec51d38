package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// Durations are logged in milliseconds with the unit in the key, in JSON
// (not bare nanoseconds) and in text alike.
func TestLoggedDurationsAreMilliseconds(t *testing.T) {
	var buf bytes.Buffer
	log := newLogger(&buf, "info", "json")
	log.Info("x", "retry_in", 1500*time.Millisecond, slog.Duration("deadline", 15*time.Second),
		slog.Group("g", slog.Duration("wait", 250*time.Microsecond)), "count", 3)
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	g, _ := line["g"].(map[string]any)
	if line["retry_in_ms"] != 1500.0 || line["deadline_ms"] != 15000.0 || g["wait_ms"] != 0.25 || line["count"] != 3.0 ||
		line["retry_in"] != nil || line["deadline"] != nil {
		t.Fatalf("JSON line: %s", buf.String())
	}
	buf.Reset()
	newLogger(&buf, "info", "text").Info("x", "retry_in", 1500*time.Millisecond)
	if !strings.Contains(buf.String(), "retry_in_ms=") || !strings.Contains(buf.String(), "1500") {
		t.Fatalf("text line: %s", buf.String())
	}
}
