package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
)

// Sealer encrypts an Odoo key for a token that carries it (AES-256-GCM,
// key derived from the signing key with HKDF under a purpose string, so
// keys sealed for one kind of token never open in another). Each sealed
// value is bound to a binding string (an agent id, a grant id) given as
// additional data: it cannot be moved into a token with another binding.
type Sealer struct{ aead cipher.AEAD }

// NewSealer derives a sealer from the signing key for one purpose.
func NewSealer(signingKey, purpose string) (*Sealer, error) {
	key, err := DeriveKey(signingKey, purpose)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// DeriveKey derives a 32-byte key for one purpose from the signing key
// (HKDF-SHA256): a MAC key, an encryption key. The signing key itself is
// never used directly.
func DeriveKey(signingKey, purpose string) ([]byte, error) {
	return hkdf.Key(sha256.New, []byte(signingKey), nil, purpose, 32)
}

// Seal encrypts plain, bound to binding.
func (s *Sealer) Seal(plain, binding string) (string, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := s.aead.Seal(nonce, nonce, []byte(plain), []byte(binding))
	return base64.RawURLEncoding.EncodeToString(out), nil
}

// Open decrypts what Seal returned for the same binding.
func (s *Sealer) Open(sealed, binding string) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return "", errors.New("bad sealed credential")
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(binding))
	if err != nil {
		return "", err
	}
	return string(plain), nil
}
