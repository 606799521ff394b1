package signing

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"

	"fmt"
	"io"
	"strconv"
	"strings"
)

// Algorithm is the only signature algorithm: Ed25519 (RFC 8032) over the
// document's bytes.
const Algorithm = "ed25519"

// Envelope is a signed document as it stands in its envelope, parsed but
// not verified.
type Envelope struct {
	Algorithm string
	KeyID     string
	Signature []byte // decoded from base64url
	// Document is the document value's bytes exactly as in the envelope,
	// what the signature covers. It aliases the data given to Parse.
	Document []byte
}

// IsEnvelope reports whether data is meant as an envelope: a JSON object
// whose first member is "signed". A ruleset document has no "signed"
// field, so anything else is read as a plain document. It looks only at
// the first bytes, so it costs nothing beside parsing.
func IsEnvelope(data []byte) bool {
	rest := bytes.TrimLeft(data, " \t\r\n")
	if len(rest) == 0 || rest[0] != '{' {
		return false
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	return bytes.HasPrefix(rest, []byte(`"signed"`))
}

func malformed(format string, args ...any) error {
	return &Error{Err: ErrMalformed, Detail: fmt.Sprintf(format, args...) + `; an envelope is {"signed": {"algorithm": "ed25519", "keyId": …, "signature": …, "document": {…}}}`}
}

// Parse reads an envelope without verifying it: exactly one top-level
// member "signed", holding exactly algorithm, keyId, signature (base64url,
// padding optional) and document (a JSON object), each once. Anything else
// is an *Error wrapping ErrMalformed; data that is not an envelope at all
// (IsEnvelope false) wraps ErrUnsigned.
func Parse(data []byte) (*Envelope, error) {
	if !IsEnvelope(data) {
		return nil, &Error{Err: ErrUnsigned, Detail: `it is not an envelope (a JSON object whose first member is "signed")`}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := expectDelim(dec, '{', "the envelope"); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != nil { // "signed", checked by IsEnvelope
		return nil, malformed("%v", err)
	}
	if err := expectDelim(dec, '{', `"signed"`); err != nil {
		return nil, err
	}
	var env Envelope
	var sig string
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, malformed("%v", err)
		}
		name, _ := tok.(string)
		if seen[name] {
			return nil, malformed("%q appears twice in \"signed\"", name)
		}
		seen[name] = true
		switch name {
		case "algorithm", "keyId", "signature":
			var raw json.RawMessage
			var s string
			if err := dec.Decode(&raw); err != nil || len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
				return nil, malformed("signed.%s is not a string", name)
			}
			switch name {
			case "algorithm":
				env.Algorithm = s
			case "keyId":
				env.KeyID = s
			default:
				sig = s
			}
		case "document":
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return nil, malformed("signed.document is not valid JSON: %v", err)
			}
			end := int(dec.InputOffset())
			if len(raw) == 0 || raw[0] != '{' {
				return nil, malformed("signed.document is not a JSON object (a ruleset or flagd document)")
			}
			env.Document = data[end-len(raw) : end : end]
		default:
			return nil, malformed("unknown field %s in \"signed\" (allowed: algorithm, keyId, signature, document)", quoteUntrusted(name))
		}
	}
	for _, name := range []string{"algorithm", "keyId", "signature", "document"} {
		if !seen[name] {
			return nil, malformed("signed.%s is missing", name)
		}
	}
	if _, err := dec.Token(); err != nil { // '}' of "signed"
		return nil, malformed("%v", err)
	}
	if dec.More() {
		tok, _ := dec.Token()
		name, _ := tok.(string)
		return nil, malformed("unknown top-level field %s beside \"signed\": the envelope holds only \"signed\"", quoteUntrusted(name))
	}
	if _, err := dec.Token(); err != nil { // '}' of the envelope
		return nil, malformed("%v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, malformed("data follows the envelope")
	}
	if !ValidKeyID(env.KeyID) {
		return nil, malformed("signed.keyId is not 1 to 64 ASCII letters, digits, '-', '_', '.' or ':'")
	}
	s, err := b64.DecodeString(strings.TrimRight(sig, "="))
	if err != nil {
		return nil, &Error{KeyID: env.KeyID, Err: ErrMalformed, Detail: "signed.signature is not base64url: write it as Sign does (base64url of the 64-byte signature)"}
	}
	env.Signature = s
	return &env, nil
}

func expectDelim(dec *json.Decoder, want json.Delim, what string) error {
	tok, err := dec.Token()
	if err != nil {
		return malformed("%v", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return malformed("%s is not a JSON object", what)
	}
	return nil
}

// quoteUntrusted quotes a name read from an envelope for an error message,
// shortened so a hostile envelope cannot fill a log.
func quoteUntrusted(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return strconv.Quote(s)
}

// Sign returns an envelope holding document, signed with key. The
// document must be one JSON object with LF line ends (a CR would become an
// LF on the ruleset stream); white space around it is dropped and its
// bytes are otherwise embedded verbatim, so what the signature covers is
// exactly what a verifier reads back.
func Sign(document []byte, key PrivateKey) ([]byte, error) {
	if err := key.check(); err != nil {
		return nil, err
	}
	doc := bytes.TrimSpace(document)
	if len(doc) == 0 || doc[0] != '{' || !json.Valid(doc) {
		return nil, &Error{KeyID: key.ID, Err: ErrMalformed, Detail: "the document to sign is not one JSON object: give a ruleset or flagd document"}
	}
	if bytes.IndexByte(doc, '\r') >= 0 {
		// An event stream delivers every line end as LF, which would break
		// the signature of such a document on the stream.
		return nil, &Error{KeyID: key.ID, Err: ErrMalformed, Detail: "the document has CR line ends, which the ruleset stream delivers as LF: convert it to LF line ends, then sign it"}
	}
	sig := ed25519.Sign(key.Key, doc)
	var b bytes.Buffer
	b.Grow(len(doc) + 200)
	b.WriteString(`{"signed":{"algorithm":"` + Algorithm + `","keyId":"` + key.ID + `","signature":"`)
	b.WriteString(b64.EncodeToString(sig))
	b.WriteString(`","document":`)
	b.Write(doc)
	b.WriteString("}}\n")
	return b.Bytes(), nil
}

// Verify checks the envelope in data against keys and returns the
// document (aliasing data) and the key id that signed it. It fails with an
// *Error: ErrUnsigned when data is not an envelope, ErrMalformed,
// ErrAlgorithm, ErrUnknownKey when keys do not hold the envelope's key id,
// or ErrBadSignature.
func Verify(data []byte, keys *Keys) (document []byte, keyID string, err error) {
	env, err := Parse(data)
	if err != nil {
		return nil, "", err
	}
	if err := env.Verify(keys); err != nil {
		return nil, env.KeyID, err
	}
	return env.Document, env.KeyID, nil
}

// Verify checks e's signature against keys (see the package function).
func (e *Envelope) Verify(keys *Keys) error {
	if e.Algorithm != Algorithm {
		return &Error{KeyID: e.KeyID, Err: ErrAlgorithm, Detail: fmt.Sprintf("the envelope names %s; only %q is supported: sign it again with 'switchyard sign' or signing.Sign", quoteUntrusted(e.Algorithm), Algorithm)}
	}
	pub, ok := keys.lookup(e.KeyID)
	if !ok {
		if keys.Len() == 0 {
			return &Error{KeyID: e.KeyID, Err: ErrUnknownKey, Detail: "no trusted keys are configured: configure the public key of this id to verify the envelope, or serve the plain document"}
		}
		return &Error{KeyID: e.KeyID, Err: ErrUnknownKey, Detail: fmt.Sprintf("trusted key ids are %s: add this key's public key (during a rotation, trust both), or sign with a trusted key", strings.Join(keys.IDs(), ", "))}
	}
	if len(e.Signature) != ed25519.SignatureSize || !ed25519.Verify(pub, e.Document, e.Signature) {
		return &Error{KeyID: e.KeyID, Err: ErrBadSignature, Detail: "the document was changed after it was signed, or another key of this id signed it; the document was rejected"}
	}
	return nil
}

// Open applies the trust rule of SPEC section 9 to data, a document or an
// envelope, and returns the document to parse and the key id that signed
// it (empty for a plain document). With keys (Len > 0), only an envelope
// that verifies is accepted: a plain document fails with ErrUnsigned.
// Without keys, a plain document is returned unchanged and an envelope is
// refused with ErrUnknownKey, since no key is known to verify it. It is
// the one check every reader of rulesets in this module applies.
func Open(data []byte, keys *Keys) (document []byte, keyID string, err error) {
	if !IsEnvelope(data) {
		if keys.Len() > 0 {
			return nil, "", &Error{Err: ErrUnsigned, Detail: fmt.Sprintf("trusted keys are configured (key ids %s), so only signed envelopes are accepted: sign the document ('switchyard sign' or signing.Sign)", strings.Join(keys.IDs(), ", "))}
		}
		return data, "", nil
	}
	return Verify(data, keys)
}
