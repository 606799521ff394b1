package signing

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
)

// Key file line prefixes (see ParsePublicKeys and ParsePrivateKey).
const (
	publicPrefix  = "ed25519-public"
	privatePrefix = "ed25519-private"
)

// maxKeyID is the longest key id accepted.
const maxKeyID = 64

// ValidKeyID reports whether id can name a key: 1 to 64 ASCII letters,
// digits, '-', '_', '.' or ':'. Key ids appear in envelopes, errors and
// logs, so nothing else is allowed.
func ValidKeyID(id string) bool {
	if id == "" || len(id) > maxKeyID {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

func badKeyID(what string) error {
	return &Error{Err: ErrKey, Detail: what + " is not 1 to 64 ASCII letters, digits, '-', '_', '.' or ':': choose a key id such as \"2026-12\""}
}

// PublicKey is a public key and the key id envelopes name it by.
type PublicKey struct {
	ID  string
	Key ed25519.PublicKey
}

func (k PublicKey) check() error {
	if !ValidKeyID(k.ID) {
		return badKeyID("public key id " + strconv.Quote(k.ID))
	}
	if len(k.Key) != ed25519.PublicKeySize {
		return &Error{KeyID: k.ID, Err: ErrKey, Detail: fmt.Sprintf("an ed25519 public key has %d bytes, this one %d", ed25519.PublicKeySize, len(k.Key))}
	}
	return nil
}

// PrivateKey is a private signing key and its key id. It prints, logs and
// marshals as its key id and "[REDACTED]", never its key material — also
// inside another type's unexported field, where fmt cannot call its
// methods: the material sits behind a pointer, which fmt prints as an
// address. Make one with NewPrivateKey, GenerateKey or ParsePrivateKey.
type PrivateKey struct {
	ID  string
	key *ed25519.PrivateKey
}

// NewPrivateKey names an ed25519 private key (it is not copied).
func NewPrivateKey(id string, key ed25519.PrivateKey) PrivateKey {
	return PrivateKey{ID: id, key: &key}
}

// Key returns the key material; nil for the zero PrivateKey.
func (k PrivateKey) Key() ed25519.PrivateKey {
	if k.key == nil {
		return nil
	}
	return *k.key
}

// GenerateKey makes a new key pair named id, reading randomness from rand
// (nil: crypto/rand).
func GenerateKey(id string, rand io.Reader) (PrivateKey, error) {
	if !ValidKeyID(id) {
		return PrivateKey{}, badKeyID("key id " + strconv.Quote(id))
	}
	_, priv, err := ed25519.GenerateKey(rand)
	if err != nil {
		return PrivateKey{}, &Error{KeyID: id, Err: ErrKey, Detail: "generating: " + err.Error()}
	}
	return NewPrivateKey(id, priv), nil
}

// Public returns the public half of k.
func (k PrivateKey) Public() PublicKey {
	if k.key == nil {
		return PublicKey{ID: k.ID}
	}
	pub, _ := k.key.Public().(ed25519.PublicKey)
	return PublicKey{ID: k.ID, Key: pub}
}

func (k PrivateKey) check() error {
	if !ValidKeyID(k.ID) {
		return badKeyID("private key id " + strconv.Quote(k.ID))
	}
	if len(k.Key()) != ed25519.PrivateKeySize {
		return &Error{KeyID: k.ID, Err: ErrKey, Detail: fmt.Sprintf("an ed25519 private key has %d bytes, this one %d", ed25519.PrivateKeySize, len(k.Key()))}
	}
	return nil
}

// String names the key by its id only.
func (k PrivateKey) String() string {
	return "signing.PrivateKey{ID: " + strconv.Quote(k.ID) + ", Key: [REDACTED]}"
}

// GoString is String, so %#v does not reveal the key either.
func (k PrivateKey) GoString() string { return k.String() }

// Format writes String for every verb (quoted for %q).
func (k PrivateKey) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		_, _ = io.WriteString(f, strconv.Quote(k.String()))
		return
	}
	_, _ = io.WriteString(f, k.String())
}

// LogValue logs the key id and "[REDACTED]".
func (k PrivateKey) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", k.ID), slog.String("key", "[REDACTED]"))
}

// MarshalJSON encodes what LogValue logs.
func (k PrivateKey) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID  string `json:"id"`
		Key string `json:"key"`
	}{k.ID, "[REDACTED]"})
}

// Keys is a set of trusted public keys by key id. It is immutable and safe
// for concurrent use. A nil *Keys, like an empty one, trusts no key.
type Keys struct {
	byID map[string]ed25519.PublicKey
	ids  []string // sorted
}

// NewKeys returns the set of keys. A key with a bad id or length, or two
// keys with one id, is an error naming it. The key bytes are copied.
func NewKeys(keys ...PublicKey) (*Keys, error) {
	if len(keys) == 0 {
		return nil, &Error{Err: ErrKey, Detail: "no key given: a set of trusted keys needs at least one (a provider without TrustedKeys reads unsigned rulesets)"}
	}
	k := &Keys{byID: make(map[string]ed25519.PublicKey, len(keys))}
	for _, pk := range keys {
		if err := pk.check(); err != nil {
			return nil, err
		}
		if _, dup := k.byID[pk.ID]; dup {
			return nil, &Error{KeyID: pk.ID, Err: ErrKey, Detail: "two trusted keys have this id: give each key its own id"}
		}
		k.byID[pk.ID] = bytes.Clone(pk.Key)
		k.ids = append(k.ids, pk.ID)
	}
	slices.Sort(k.ids)
	return k, nil
}

// Len returns the number of trusted keys.
func (k *Keys) Len() int {
	if k == nil {
		return 0
	}
	return len(k.ids)
}

// IDs returns the trusted key ids, sorted, in a new slice.
func (k *Keys) IDs() []string {
	if k == nil {
		return nil
	}
	return slices.Clone(k.ids)
}

// lookup returns the key of id.
func (k *Keys) lookup(id string) (ed25519.PublicKey, bool) {
	if k == nil {
		return nil, false
	}
	pub, ok := k.byID[id]
	return pub, ok
}

// String lists the key ids (public keys are not secret, but ids are what
// a reader needs).
func (k *Keys) String() string {
	return "signing.Keys" + fmt.Sprint(k.IDs())
}

var b64 = base64.RawURLEncoding

// MarshalPublicKey returns k as one line of a public key file:
//
//	ed25519-public KEYID BASE64URL
//
// where BASE64URL is the 32 raw key bytes, base64url without padding.
func MarshalPublicKey(k PublicKey) ([]byte, error) {
	if err := k.check(); err != nil {
		return nil, err
	}
	return []byte(publicPrefix + " " + k.ID + " " + b64.EncodeToString(k.Key) + "\n"), nil
}

// MarshalPrivateKey returns k as a private key file:
//
//	ed25519-private KEYID BASE64URL
//
// where BASE64URL is the key's 32-byte seed (RFC 8032), base64url without
// padding. Keep the file secret (mode 0600).
func MarshalPrivateKey(k PrivateKey) ([]byte, error) {
	if err := k.check(); err != nil {
		return nil, err
	}
	return []byte(privatePrefix + " " + k.ID + " " + b64.EncodeToString(k.Key().Seed()) + "\n"), nil
}

// ParsePublicKeys reads a public key file: one key per line as written by
// MarshalPublicKey; blank lines and lines starting with '#' are ignored, so
// several files can be concatenated into one for rotation. A bad line is
// an error naming its number.
func ParsePublicKeys(data []byte) ([]PublicKey, error) {
	var keys []PublicKey
	err := eachLine(data, publicPrefix, ed25519.PublicKeySize, func(id string, raw []byte) {
		keys = append(keys, PublicKey{ID: id, Key: ed25519.PublicKey(raw)})
	})
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, &Error{Err: ErrKey, Detail: "the file holds no \"" + publicPrefix + " KEYID KEY\" line: write one with 'switchyard keygen'"}
	}
	return keys, nil
}

// ParsePrivateKey reads a private key file as written by
// MarshalPrivateKey: exactly one key line (blank and '#' lines ignored).
// Errors never quote the key material.
func ParsePrivateKey(data []byte) (PrivateKey, error) {
	var keys []PrivateKey
	err := eachLine(data, privatePrefix, ed25519.SeedSize, func(id string, raw []byte) {
		keys = append(keys, NewPrivateKey(id, ed25519.NewKeyFromSeed(raw)))
	})
	if err != nil {
		return PrivateKey{}, err
	}
	if len(keys) != 1 {
		return PrivateKey{}, &Error{Err: ErrKey, Detail: fmt.Sprintf("a private key file holds one \"%s KEYID KEY\" line, this one %d", privatePrefix, len(keys))}
	}
	return keys[0], nil
}

func eachLine(data []byte, prefix string, size int, fn func(id string, raw []byte)) error {
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 3 || fields[0] != prefix {
			what := "public"
			if prefix == privatePrefix {
				what = "private"
			}
			if len(fields) > 0 && (fields[0] == publicPrefix || fields[0] == privatePrefix) && fields[0] != prefix {
				return &Error{Err: ErrKey, Detail: fmt.Sprintf("line %d holds a %s, not a %s key: check which file was given", n+1, strings.TrimPrefix(fields[0], "ed25519-")+" key", what)}
			}
			return &Error{Err: ErrKey, Detail: fmt.Sprintf("line %d is not \"%s KEYID KEY\"", n+1, prefix)}
		}
		if !ValidKeyID(fields[1]) {
			return badKeyID(fmt.Sprintf("the key id on line %d", n+1))
		}
		raw, err := b64.DecodeString(strings.TrimRight(fields[2], "="))
		if err != nil || len(raw) != size {
			return &Error{KeyID: fields[1], Err: ErrKey, Detail: fmt.Sprintf("line %d: the key is not %d bytes of base64url", n+1, size)}
		}
		fn(fields[1], raw)
	}
	return nil
}
