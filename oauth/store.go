package oauth

import (
	"context"
	"errors"
	"sync"
	"time"
)

// What must be remembered, and where: access tokens need nothing (any
// replica verifies them with the signing key). Authorization codes are
// single-use, refresh tokens rotate with reuse detection and grants can be
// revoked: that takes state, kept behind Store. MemoryStore keeps it in
// this process: the OAuth endpoints of a deployment must then all reach
// the same replica (README: several replicas). A restart empties it: every
// code, refresh token and grant is gone, so no revoked grant can come back;
// access tokens already issued live out their short TTL.

// Store errors.
var (
	ErrNotFound = errors.New("not found")
	// ErrReused is a code or refresh token presented a second time: the
	// grant it produced is revoked.
	ErrReused = errors.New("already used")
)

// Code is what an authorization code stands for until it is redeemed.
type Code struct {
	ClientID    string
	RedirectURI string
	Challenge   string // PKCE S256 code challenge
	Resource    string
	Scope       []string
	User        User
	SealedKey   string // the Odoo key, sealed for the code's hash
	Expires     time.Time
}

// User is the Odoo identity a grant acts as.
type User struct {
	DB    string `json:"db"`
	UID   int64  `json:"uid"`
	Login string `json:"login"`
	Name  string `json:"name,omitempty"`
	Lang  string `json:"lang,omitempty"`
	TZ    string `json:"tz,omitempty"`
}

// Grant is one user's authorization of one client: it outlives its access
// tokens and is carried on by refresh tokens.
type Grant struct {
	ID        string
	ClientID  string
	Resource  string
	Scope     []string
	User      User
	SealedKey string // the Odoo key, sealed for the grant id
	// RefreshHash is the hash of the current refresh token; it expires at
	// RefreshExpires.
	RefreshHash    string
	RefreshExpires time.Time
}

// Store keeps codes, grants and revocations. Implementations must make
// RedeemCode and Rotate atomic: two concurrent calls with the same code or
// refresh token must not both succeed.
type Store interface {
	SaveCode(ctx context.Context, hash string, c Code) error
	// RedeemCode returns the code once and records that it produced
	// grantID; a second redemption revokes that grant and returns ErrReused.
	RedeemCode(ctx context.Context, hash, grantID string, now time.Time) (Code, error)
	SaveGrant(ctx context.Context, g Grant) error
	// Lookup finds the grant whose current refresh token has this hash. A
	// hash that was current once but has been rotated away revokes its
	// grant and returns ErrReused.
	Lookup(ctx context.Context, refreshHash string, now time.Time) (Grant, error)
	// Rotate replaces the grant's refresh token oldHash by next's (and its
	// scope and user, which a refresh may narrow or update); oldHash no
	// longer current (a concurrent rotation) revokes the grant, ErrReused.
	Rotate(ctx context.Context, oldHash string, next Grant, now time.Time) (Grant, error)
	// Revoke ends a grant: its refresh token and its access tokens (on
	// the replicas that see this store) stop working.
	Revoke(ctx context.Context, grantID string, now time.Time) error
	Revoked(ctx context.Context, grantID string) bool
}

// MemoryStore is a Store in this process's memory, bounded: expired
// entries are dropped as new ones come.
type MemoryStore struct {
	mu        sync.Mutex
	codes     map[string]*codeEntry
	grants    map[string]*Grant    // by grant id
	refresh   map[string]string    // current refresh hash -> grant id
	rotated   map[string]rotatedTo // previous refresh hash -> grant id
	revoked   map[string]time.Time // grant id -> until when to remember
	keepFor   time.Duration        // how long revocations and used codes are remembered
	lastSweep time.Time
}

type codeEntry struct {
	code    Code
	used    bool
	grantID string
}

type rotatedTo struct {
	grantID string
	until   time.Time
}

// NewMemoryStore builds a store; remember is how long a revocation must be
// remembered for the access tokens it refuses (at least the access TTL).
func NewMemoryStore(remember time.Duration) *MemoryStore {
	return &MemoryStore{
		codes: map[string]*codeEntry{}, grants: map[string]*Grant{}, refresh: map[string]string{},
		rotated: map[string]rotatedTo{}, revoked: map[string]time.Time{}, keepFor: remember,
	}
}

func (m *MemoryStore) SaveCode(_ context.Context, hash string, c Code) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep(time.Now())
	m.codes[hash] = &codeEntry{code: c}
	return nil
}

func (m *MemoryStore) RedeemCode(_ context.Context, hash, grantID string, now time.Time) (Code, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.codes[hash]
	switch {
	case e == nil:
		return Code{}, ErrNotFound
	case e.used:
		m.revoke(e.grantID, now)
		return Code{}, ErrReused
	case now.After(e.code.Expires):
		delete(m.codes, hash)
		return Code{}, ErrNotFound
	}
	e.used, e.grantID = true, grantID
	// Kept, used, until it would have expired: a second use is detected.
	return e.code, nil
}

func (m *MemoryStore) SaveGrant(_ context.Context, g Grant) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, gone := m.revoked[g.ID]; gone {
		return ErrReused // its code was reused while the grant was being made
	}
	m.sweep(time.Now())
	m.grants[g.ID] = &g
	m.refresh[g.RefreshHash] = g.ID
	return nil
}

func (m *MemoryStore) Lookup(_ context.Context, hash string, now time.Time) (Grant, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lookup(hash, now)
}

func (m *MemoryStore) lookup(hash string, now time.Time) (Grant, error) {
	if r, ok := m.rotated[hash]; ok {
		m.revoke(r.grantID, now)
		return Grant{}, ErrReused
	}
	id, ok := m.refresh[hash]
	if !ok {
		return Grant{}, ErrNotFound
	}
	g := m.grants[id]
	if g == nil || now.After(g.RefreshExpires) {
		m.drop(id)
		return Grant{}, ErrNotFound
	}
	return *g, nil
}

func (m *MemoryStore) Rotate(_ context.Context, oldHash string, next Grant, now time.Time) (Grant, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	g, err := m.lookup(oldHash, now)
	if err != nil {
		return Grant{}, err
	}
	if g.ID != next.ID {
		return Grant{}, ErrNotFound
	}
	newHash, expires := next.RefreshHash, next.RefreshExpires
	delete(m.refresh, oldHash)
	m.rotated[oldHash] = rotatedTo{grantID: g.ID, until: g.RefreshExpires}
	gp := m.grants[g.ID]
	gp.RefreshHash, gp.RefreshExpires = newHash, expires
	gp.Scope, gp.User = next.Scope, next.User
	m.refresh[newHash] = g.ID
	return *gp, nil
}

func (m *MemoryStore) Revoke(_ context.Context, grantID string, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.revoke(grantID, now)
	return nil
}

func (m *MemoryStore) Revoked(_ context.Context, grantID string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.revoked[grantID]
	return ok
}

func (m *MemoryStore) revoke(grantID string, now time.Time) {
	if grantID == "" {
		return
	}
	m.drop(grantID)
	m.revoked[grantID] = now.Add(m.keepFor)
}

// drop forgets a grant's refresh token (its rotated-away hashes stay, to
// keep detecting their reuse until they would have expired).
func (m *MemoryStore) drop(grantID string) {
	if g := m.grants[grantID]; g != nil {
		delete(m.refresh, g.RefreshHash)
		delete(m.grants, grantID)
	}
}

// sweep drops what has expired, at most once a minute.
func (m *MemoryStore) sweep(now time.Time) {
	if now.Sub(m.lastSweep) < time.Minute {
		return
	}
	m.lastSweep = now
	for h, e := range m.codes {
		if now.After(e.code.Expires) {
			delete(m.codes, h)
		}
	}
	for id, g := range m.grants {
		if now.After(g.RefreshExpires) {
			m.drop(id)
		}
	}
	for h, r := range m.rotated {
		// Once its grant is gone (revoked, expired), a rotated-away hash
		// has nothing left to protect.
		if _, live := m.grants[r.grantID]; !live || now.After(r.until) {
			delete(m.rotated, h)
		}
	}
	for id, until := range m.revoked {
		if now.After(until) {
			delete(m.revoked, id)
		}
	}
}
