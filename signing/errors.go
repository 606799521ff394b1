package signing

import (
	"errors"
	"strconv"
)

// Sentinel errors, wrapped by *Error, for callers that branch on the cause.
var (
	// ErrUnsigned is a plain document where trusted keys require an
	// envelope.
	ErrUnsigned = errors.New("the document is not signed")
	// ErrUnknownKey is an envelope signed with a key id that is not
	// trusted (or no keys are trusted at all).
	ErrUnknownKey = errors.New("the key id is not trusted")
	// ErrBadSignature is a signature that does not verify over the
	// document with the trusted key of its key id.
	ErrBadSignature = errors.New("the signature does not match the document")
	// ErrAlgorithm is an envelope naming an algorithm other than ed25519.
	ErrAlgorithm = errors.New("the signature algorithm is not supported")
	// ErrMalformed is data that starts as an envelope but is not a valid
	// one (a missing or unknown field, a document that is not an object, a
	// signature that is not base64url).
	ErrMalformed = errors.New("the envelope is malformed")
	// ErrKey is a key that cannot be used: a bad key id, a key of the wrong
	// length, an unreadable key file.
	ErrKey = errors.New("the key is invalid")
)

// Error is a document or key that failed. KeyID is the key id concerned,
// or empty when there is none (an unsigned document, a malformed
// envelope). Err is one of the sentinel errors; Detail says what was found
// and how to fix it. The message never contains key material or any part
// of the document.
type Error struct {
	KeyID  string
	Err    error
	Detail string
}

func (e *Error) Error() string {
	msg := "signing: "
	if e.KeyID != "" {
		msg += "key id " + strconv.Quote(e.KeyID) + ": "
	}
	msg += e.Err.Error()
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// Unwrap returns the sentinel error.
func (e *Error) Unwrap() error { return e.Err }
