package auth

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/odoo-mcp/odoo-mcp/internal/boundcache"
	"github.com/odoo-mcp/odoo-mcp/odoorpc"
)

// Odoo is what the authenticator needs from the Odoo client.
type Odoo interface {
	DB() string
	Protocol(ctx context.Context) (odoorpc.Protocol, error)
	Authenticate(ctx context.Context, login, key string) (int64, error)
	WhoAmI(ctx context.Context, key string) (int64, map[string]any, error)
	Execute(ctx context.Context, cred odoorpc.Credentials, call odoorpc.Call) (json.RawMessage, error)
}

// Identity is an authenticated caller. Credentials are the Odoo user's and
// are used for every Odoo call made on the caller's behalf.
type Identity struct {
	DB          string
	UID         int64
	Login       string
	Name        string // the user's name in Odoo, when readable
	Credentials odoorpc.Credentials
	// Context is the user's Odoo context (lang, tz) sent with each call.
	Context map[string]any
	// Thread is set when the caller presented a thread token.
	Thread *ThreadClaims
	// Expires is when this identity must be checked again.
	Expires time.Time
	// ReadOnly is set for a caller allowed to read only (an OAuth grant
	// without odoo.write): the writing tools are hidden and refused.
	ReadOnly bool
	// OAuthClient is the OAuth client id when the caller presented an
	// OAuth access token (for the audit line).
	OAuthClient string
}

// ErrBearerNeedsLogin explains why a bare key cannot work on Odoo 16-18.
var ErrBearerNeedsLogin = errors.New("a bare API key cannot identify its user on Odoo 16-18: send Authorization: Basic base64(login:api_key)")

// Options tune the authenticator.
type Options struct {
	// TTL is how long a checked credential is trusted; a key revoked in
	// Odoo stops working within it. FailureTTL is the (shorter) time a
	// refused credential is refused without asking Odoo again.
	TTL        time.Duration
	FailureTTL time.Duration
	// Tokens verifies thread tokens; nil refuses them.
	Tokens *Tokens
	// OnCache, when set, is told whether each check was answered from the
	// cache (for metrics).
	OnCache func(hit bool)
	// CacheSize bounds the credentials remembered, good and refused alike
	// (default DefaultCacheSize), so that a flood of distinct wrong keys
	// cannot grow memory without limit. OnEvict, when set, is called for
	// each entry pushed out to make room.
	CacheSize int
	OnEvict   func()
	// CheckTimeout bounds one credential check with Odoo (up to three
	// requests), which runs detached from the callers waiting for it;
	// default DefaultCheckTimeout.
	CheckTimeout time.Duration
}

// DefaultCheckTimeout bounds a credential check when Options leave it zero:
// two Odoo requests at odoorpc's default 30 s timeout each.
const DefaultCheckTimeout = time.Minute

// DefaultCacheSize is the default bound of the credential cache.
const DefaultCacheSize = 10_000

// Authenticator checks Authorization headers against Odoo, with a cache so
// that a warm credential costs no Odoo request.
type Authenticator struct {
	odoo    Odoo
	cache   *boundcache.Cache[string, cached]
	ttl     time.Duration
	failTTL time.Duration
	tokens  *Tokens
	onCache func(hit bool)
	flight  singleflight.Group

	checkTimeout time.Duration
}

// cached is a cache entry: an identity or the reason it was refused.
type cached struct {
	id  *Identity
	err error
}

// NewAuthenticator builds an authenticator over an Odoo client.
func NewAuthenticator(odoo Odoo, opts Options) *Authenticator {
	if opts.TTL <= 0 {
		opts.TTL = time.Minute
	}
	if opts.CacheSize <= 0 {
		opts.CacheSize = DefaultCacheSize
	}
	if opts.FailureTTL <= 0 || opts.FailureTTL > opts.TTL {
		opts.FailureTTL = min(5*time.Second, opts.TTL)
	}
	if opts.CheckTimeout <= 0 {
		opts.CheckTimeout = DefaultCheckTimeout
	}
	return &Authenticator{
		checkTimeout: opts.CheckTimeout,
		odoo:         odoo,
		cache:        boundcache.New[string, cached](opts.CacheSize, opts.OnEvict),
		ttl:          opts.TTL,
		failTTL:      opts.FailureTTL,
		tokens:       opts.Tokens,
		onCache:      opts.OnCache,
	}
}

// Authenticate resolves an Authorization header to an identity. Errors are
// ErrNoCredentials, ErrMalformed, ErrInvalid or ErrBearerNeedsLogin (all
// meaning 401), wrap ErrUnavailable (Odoo) or ErrRevocationUnknown
// (Letta), meaning 503, or are ctx.Err() when the caller left before the
// check ended.
func (a *Authenticator) Authenticate(ctx context.Context, header string) (*Identity, error) {
	// The warm path hashes the header and looks it up: no parsing, no
	// decoding. Two spellings of one credential are two entries, which
	// costs at most one more check.
	key := cacheKey(header)
	entry, hit := a.cache.Get(key)
	if a.onCache != nil {
		a.onCache(hit)
	}
	if hit {
		return entry.id, entry.err
	}
	cred, err := ParseAuthorization(header)
	if err != nil {
		return nil, err
	}
	if cred.Scheme == SchemeBearer && LooksLikeToken(cred.Secret) {
		return a.verifyToken(ctx, key, cred.Secret)
	}
	// Concurrent first requests with one credential make one Odoo check.
	// It runs detached from any one caller (a caller hanging up must not
	// fail the others who wait for it), bounded by its own timeout; each
	// caller waits only as long as its own context lets it.
	ch := a.flight.DoChan(key, func() (any, error) {
		checkCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.checkTimeout)
		defer cancel()
		id, err := a.check(checkCtx, cred)
		err = Unavailable(err)
		switch {
		case err == nil:
			id.Expires = time.Now().Add(a.ttl)
			a.cache.Set(key, cached{id: id}, a.ttl)
		case isRefusal(err):
			a.cache.Set(key, cached{err: err}, a.failTTL)
		}
		// Unavailability is not cached: the next request asks again.
		return id, err
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*Identity), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// CheckFresh checks a login and key against Odoo now, bypassing the
// credential cache (neither read nor written): for an OAuth refresh, which
// must learn at once that a key was revoked in Odoo. Errors are as
// Authenticate's.
func (a *Authenticator) CheckFresh(ctx context.Context, login, key string) (*Identity, error) {
	if login == "" || key == "" || hasControl(login) || hasControl(key) {
		return nil, ErrMalformed
	}
	ctx, cancel := context.WithTimeout(ctx, a.checkTimeout)
	defer cancel()
	id, err := a.check(ctx, Credential{Scheme: SchemeBasic, Login: login, Secret: key})
	if err != nil {
		return nil, err
	}
	id.Expires = time.Now().Add(a.ttl)
	return id, nil
}

// tokenCacheTTL bounds how long a verified thread token is trusted without
// looking again; with the orchestrator's own 5 s cache of the current token
// id, a deleted thread's token stops working within 10 s on every replica.
const tokenCacheTTL = 5 * time.Second

func (a *Authenticator) verifyToken(ctx context.Context, key, token string) (*Identity, error) {
	if a.tokens == nil {
		return nil, fmt.Errorf("%w: thread tokens are not enabled on this server", ErrInvalid)
	}
	id, err := a.tokens.Verify(ctx, token)
	switch {
	case err == nil:
		a.cache.Set(key, cached{id: id}, min(tokenCacheTTL, a.ttl))
	case errors.Is(err, ErrInvalid) && !errors.Is(err, ErrRevoked):
		a.cache.Set(key, cached{err: err}, a.failTTL)
	}
	return id, err
}

// cacheKey is a hash of the whole Authorization header, so a wrong key for
// a known login can never hit another credential's entry, and no secret
// sits in memory as a map key.
func cacheKey(header string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(header)))
	return string(sum[:])
}

// Unavailable marks an error of the Odoo client that says Odoo could not
// be asked with ErrUnavailable (others pass unchanged), so that callers
// need not know the Odoo client's errors.
func Unavailable(err error) error {
	if err != nil && errors.Is(err, odoorpc.ErrUnavailable) && !errors.Is(err, ErrUnavailable) {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

func isRefusal(err error) bool {
	return errors.Is(err, ErrInvalid) || errors.Is(err, ErrBearerNeedsLogin)
}

// check asks Odoo who the credential belongs to.
func (a *Authenticator) check(ctx context.Context, cred Credential) (*Identity, error) {
	proto, err := a.odoo.Protocol(ctx)
	if err != nil {
		return nil, err
	}
	id := &Identity{DB: a.odoo.DB(), Login: cred.Login}
	switch {
	case proto == odoorpc.ProtocolJSON2:
		uid, userCtx, err := a.odoo.WhoAmI(ctx, cred.Secret)
		if err != nil {
			return nil, refusal(err)
		}
		id.UID, id.Credentials = uid, odoorpc.Credentials{UID: uid, Key: cred.Secret}
		id.Context = pick(userCtx, "lang", "tz")
	case cred.Scheme == SchemeBearer:
		return nil, ErrBearerNeedsLogin
	default:
		uid, err := a.odoo.Authenticate(ctx, cred.Login, cred.Secret)
		if err != nil {
			return nil, refusal(err)
		}
		id.UID, id.Credentials = uid, odoorpc.Credentials{UID: uid, Key: cred.Secret}
	}
	if err := a.readUser(ctx, id, proto); err != nil {
		return nil, err
	}
	if cred.Scheme == SchemeBasic && !strings.EqualFold(id.Login, cred.Login) {
		// JSON-2 identifies the key's owner; a Basic login naming someone
		// else is refused rather than silently ignored.
		return nil, fmt.Errorf("%w: the API key does not belong to login %q", ErrInvalid, cred.Login)
	}
	return id, nil
}

// readUser reads the user's login, name, language and time zone: one
// request on a cold credential, none afterwards.
func (a *Authenticator) readUser(ctx context.Context, id *Identity, proto odoorpc.Protocol) error {
	fields := []string{"login", "name"}
	if proto != odoorpc.ProtocolJSON2 {
		fields = append(fields, "lang", "tz")
	}
	raw, err := a.odoo.Execute(ctx, id.Credentials, odoorpc.Call{
		Model: "res.users", Method: "read", IDs: []int64{id.UID}, Kwargs: map[string]any{"fields": fields},
	})
	if err != nil {
		if errors.Is(err, odoorpc.ErrUnavailable) || errors.Is(err, odoorpc.ErrAccessDenied) || errors.Is(err, odoorpc.ErrDatabaseNotFound) {
			return refusal(err)
		}
		// A user who may not read their own record still authenticated.
		return nil
	}
	var rows []map[string]any
	if json.Unmarshal(raw, &rows) != nil || len(rows) == 0 {
		return nil
	}
	row := rows[0]
	if s, ok := row["login"].(string); ok {
		id.Login = s
	}
	if s, ok := row["name"].(string); ok {
		id.Name = s
	}
	if proto != odoorpc.ProtocolJSON2 {
		id.Context = pick(row, "lang", "tz")
	}
	return nil
}

// refusal maps Odoo's answer to a credential check onto auth errors:
// Odoo saying no is ErrInvalid; Odoo not answering stays unavailable.
func refusal(err error) error {
	switch {
	case errors.Is(err, odoorpc.ErrUnavailable):
		return err
	case errors.Is(err, odoorpc.ErrAccessDenied):
		var oe *odoorpc.Error
		if errors.As(err, &oe) && oe.Hint != "" {
			return fmt.Errorf("%w: Odoo refused the login or API key; %s", ErrInvalid, oe.Hint)
		}
		return fmt.Errorf("%w: Odoo refused the login or API key", ErrInvalid)
	case errors.Is(err, odoorpc.ErrDatabaseNotFound):
		// Not the caller's fault (503), and the cause stays in the chain:
		// stdio and doctor name the database and the fix.
		return fmt.Errorf("%w: %w", odoorpc.ErrUnavailable, err)
	case errors.Is(err, odoorpc.ErrMissing):
		return fmt.Errorf("%w: the user no longer exists", ErrInvalid)
	}
	return fmt.Errorf("checking credentials with Odoo: %w", err)
}

func pick(m map[string]any, keys ...string) map[string]any {
	out := make(map[string]any, len(keys))
	for _, k := range keys {
		if v, ok := m[k]; ok && v != false && v != nil {
			out[k] = v
		}
	}
	return out
}
