package auth

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

// BenchmarkAuthenticateWarm is the credential check of every MCP request
// on a warm cache: no Odoo request (checked), parsing, hashing, lookup.
func BenchmarkAuthenticateWarm(b *testing.B) {
	for _, tc := range []struct{ name, version, header string }{
		{"basic/18.0", "18.0", basic(fakeodoo.AdminLogin, fakeodoo.AdminKey)},
		{"basic/19.0", "19.0", basic(fakeodoo.AdminLogin, fakeodoo.AdminKey)},
		{"bearer/19.0", "19.0", "Bearer " + fakeodoo.AdminKey},
	} {
		b.Run(tc.name, func(b *testing.B) {
			f := newBenchFixture(b, tc.version)
			if _, err := f.authn.Authenticate(context.Background(), tc.header); err != nil {
				b.Fatal(err)
			}
			cold := f.fake.Requests()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.authn.Authenticate(context.Background(), tc.header); err != nil {
					b.Fatal(err)
				}
			}
			if n := f.fake.Requests(); n != cold {
				b.Fatalf("warm checks made %d Odoo requests", n-cold)
			}
		})
	}
}

// BenchmarkAuthenticateWarmParallel is the same under contention (the
// cache is shared by every request).
func BenchmarkAuthenticateWarmParallel(b *testing.B) {
	f := newBenchFixture(b, "18.0")
	h := basic(fakeodoo.AdminLogin, fakeodoo.AdminKey)
	if _, err := f.authn.Authenticate(context.Background(), h); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := f.authn.Authenticate(context.Background(), h); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkParseAuthorization(b *testing.B) {
	h := basic(fakeodoo.AdminLogin, fakeodoo.AdminKey)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseAuthorization(h); err != nil {
			b.Fatal(err)
		}
	}
}

// newBenchFixture is newFixture for benchmarks.
func newBenchFixture(b *testing.B, version string) *fixture {
	b.Helper()
	fake := fakeodoo.New(fakeodoo.Options{Version: version})
	srv := httptest.NewServer(fake)
	b.Cleanup(srv.Close)
	client, err := odoorpc.New(odoorpc.Config{URL: srv.URL, DB: fake.DB(), Timeout: 5 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := client.Protocol(context.Background()); err != nil {
		b.Fatal(err)
	}
	return &fixture{fake: fake, srv: srv, authn: NewAuthenticator(client, Options{TTL: time.Hour})}
}
