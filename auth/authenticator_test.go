package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/odoo-mcp/odoo-mcp/fakeodoo"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

func basic(login, key string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(login+":"+key))
}

type fixture struct {
	fake  *fakeodoo.Server
	srv   *httptest.Server
	authn *Authenticator
}

func newFixture(t *testing.T, version string, opts Options) *fixture {
	t.Helper()
	fake := fakeodoo.New(fakeodoo.Options{Version: version})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	client, err := odoorpc.New(odoorpc.Config{URL: srv.URL, DB: fake.DB(), Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Protocol(context.Background()); err != nil {
		t.Fatal(err)
	}
	fake.ResetCounters()
	return &fixture{fake: fake, srv: srv, authn: NewAuthenticator(client, opts)}
}

func TestParseAuthorization(t *testing.T) {
	cases := []struct {
		header string
		want   Credential
		err    error
	}{
		{"", Credential{}, ErrNoCredentials},
		{"Bearer abc", Credential{Scheme: SchemeBearer, Secret: "abc"}, nil},
		{"bearer   abc  ", Credential{Scheme: SchemeBearer, Secret: "abc"}, nil},
		{basic("admin", "k:with:colons"), Credential{Scheme: SchemeBasic, Login: "admin", Secret: "k:with:colons"}, nil},
		{"Basic !!!", Credential{}, ErrMalformed},
		{"Basic " + base64.StdEncoding.EncodeToString([]byte("nocolon")), Credential{}, ErrMalformed},
		{basic("", "k"), Credential{}, ErrMalformed},
		{"Bearer", Credential{}, ErrMalformed},
		{"Bearer a b", Credential{}, ErrMalformed},
		{"Digest x", Credential{}, ErrMalformed},
		{"Bearer " + strings.Repeat("a", 5000), Credential{}, ErrMalformed},
	}
	for _, tc := range cases {
		got, err := ParseAuthorization(tc.header)
		if !errors.Is(err, tc.err) || got != tc.want {
			t.Errorf("%.30q: got %+v %v, want %+v %v", tc.header, got, err, tc.want, tc.err)
		}
	}
}

func TestAuthenticatePerVersion(t *testing.T) {
	cases := []struct {
		version, header string
		wantUID         int64
		wantErr         error
	}{
		{"18.0", basic(fakeodoo.AdminLogin, fakeodoo.AdminKey), fakeodoo.AdminUID, nil},
		{"18.0", basic(fakeodoo.AdminLogin, fakeodoo.AdminPassword), fakeodoo.AdminUID, nil},
		{"18.0", basic(fakeodoo.DemoLogin, fakeodoo.DemoKey), fakeodoo.DemoUID, nil},
		{"18.0", basic(fakeodoo.AdminLogin, fakeodoo.DemoKey), 0, ErrInvalid}, // another user's key
		{"18.0", basic(fakeodoo.AdminLogin, "0123456789abcdef0123456789abcdef01234567"), 0, ErrInvalid},
		{"18.0", "Bearer " + fakeodoo.AdminKey, 0, ErrBearerNeedsLogin},
		{"18.0", "", 0, ErrNoCredentials},
		{"19.0", basic(fakeodoo.AdminLogin, fakeodoo.AdminKey), fakeodoo.AdminUID, nil},
		{"19.0", "Bearer " + fakeodoo.AdminKey, fakeodoo.AdminUID, nil},
		{"19.0", "Bearer " + fakeodoo.DemoKey, fakeodoo.DemoUID, nil},
		{"19.0", basic(fakeodoo.AdminLogin, fakeodoo.DemoKey), 0, ErrInvalid}, // key of demo, login of admin
		{"19.0", "Bearer 0123456789abcdef0123456789abcdef01234567", 0, ErrInvalid},
	}
	for _, tc := range cases {
		f := newFixture(t, tc.version, Options{})
		id, err := f.authn.Authenticate(context.Background(), tc.header)
		if !errors.Is(err, tc.wantErr) {
			t.Errorf("%s %.40s: err %v, want %v", tc.version, tc.header, err, tc.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if id.UID != tc.wantUID || id.DB != f.fake.DB() || id.Credentials.UID != tc.wantUID || id.Name == "" {
			t.Errorf("%s: identity %+v", tc.version, id)
		}
	}
}

func TestWarmCacheCostsNoOdooRequest(t *testing.T) {
	for _, v := range []string{"18.0", "19.0"} {
		f := newFixture(t, v, Options{TTL: time.Minute})
		h := basic(fakeodoo.AdminLogin, fakeodoo.AdminKey)
		if _, err := f.authn.Authenticate(context.Background(), h); err != nil {
			t.Fatal(err)
		}
		cold := f.fake.Requests()
		if cold == 0 || cold > 2 {
			t.Errorf("%s: cold check made %d requests, want 1-2", v, cold)
		}
		for range 50 {
			if _, err := f.authn.Authenticate(context.Background(), h); err != nil {
				t.Fatal(err)
			}
		}
		if n := f.fake.Requests(); n != cold {
			t.Errorf("%s: warm checks made %d more requests", v, n-cold)
		}
	}
}

func TestConcurrentColdChecksShareOneRequest(t *testing.T) {
	f := newFixture(t, "18.0", Options{})
	f.fake.SetLatency(20 * time.Millisecond)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := f.authn.Authenticate(context.Background(), basic(fakeodoo.AdminLogin, fakeodoo.AdminKey)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := f.fake.Requests(); n > 2 {
		t.Errorf("20 concurrent cold checks made %d Odoo requests, want at most 2", n)
	}
}

func TestRevokedKeyStopsWithinTTL(t *testing.T) {
	f := newFixture(t, "18.0", Options{TTL: 150 * time.Millisecond, FailureTTL: 50 * time.Millisecond})
	h := basic(fakeodoo.AdminLogin, fakeodoo.AdminKey)
	if _, err := f.authn.Authenticate(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	f.fake.RevokeKey(fakeodoo.AdminKey)
	// Within the TTL the cached identity still answers (documented tradeoff).
	if _, err := f.authn.Authenticate(context.Background(), h); err != nil {
		t.Fatalf("within TTL: %v", err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		_, err := f.authn.Authenticate(context.Background(), h)
		if errors.Is(err, ErrInvalid) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("revoked key still accepted after the TTL: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestWrongKeyNeverHitsAnotherCredentialsEntry(t *testing.T) {
	f := newFixture(t, "18.0", Options{})
	if _, err := f.authn.Authenticate(context.Background(), basic(fakeodoo.AdminLogin, fakeodoo.AdminKey)); err != nil {
		t.Fatal(err)
	}
	for _, wrong := range []string{fakeodoo.AdminKey[:39], fakeodoo.AdminKey + "0", strings.ToUpper(fakeodoo.AdminKey), "admin"[:4]} {
		if _, err := f.authn.Authenticate(context.Background(), basic(fakeodoo.AdminLogin, wrong)); !errors.Is(err, ErrInvalid) {
			t.Errorf("wrong key %q for a cached login: %v", wrong, err)
		}
	}
}

func TestOdooDownIsUnavailableNotInvalid(t *testing.T) {
	f := newFixture(t, "18.0", Options{})
	f.srv.Close()
	_, err := f.authn.Authenticate(context.Background(), basic(fakeodoo.AdminLogin, fakeodoo.AdminKey))
	if !errors.Is(err, odoorpc.ErrUnavailable) || errors.Is(err, ErrInvalid) {
		t.Fatalf("got %v", err)
	}
}

func TestErrorsNeverContainTheSecret(t *testing.T) {
	f := newFixture(t, "19.0", Options{})
	secret := "0123456789abcdef0123456789abcdef01234567"
	for _, h := range []string{basic("admin", secret), "Bearer " + secret, basic(fakeodoo.AdminLogin, secret)} {
		_, err := f.authn.Authenticate(context.Background(), h)
		if err == nil || strings.Contains(err.Error(), secret) {
			t.Errorf("error %v", err)
		}
	}
}

// A flood of distinct wrong credentials is refused and remembered, but the
// cache holds at most CacheSize of them and counts what it pushed out.
func TestCacheIsBounded(t *testing.T) {
	var evictions atomic.Int64
	f := newFixture(t, "18.0", Options{CacheSize: 8, OnEvict: func() { evictions.Add(1) }})
	ctx := context.Background()
	for i := range 50 {
		_, err := f.authn.Authenticate(ctx, basic(fakeodoo.AdminLogin, strings.Repeat("x", 30)+string(rune('a'+i%26))+string(rune('a'+i/26))))
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("wrong key %d: %v", i, err)
		}
	}
	if n := f.authn.cache.Len(); n > 8 {
		t.Errorf("the cache holds %d credentials, more than its bound 8", n)
	}
	if n := evictions.Load(); n != 50-8 {
		t.Errorf("%d evictions counted, want %d", n, 50-8)
	}
	// A good credential still works and is cached.
	if _, err := f.authn.Authenticate(ctx, basic(fakeodoo.AdminLogin, fakeodoo.AdminKey)); err != nil {
		t.Fatal(err)
	}
}
