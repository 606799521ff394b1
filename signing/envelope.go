package signing

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"

	"fmt"
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
//
// The envelope is read by a small scanner of its own, not encoding/json:
// the document is only skipped over (its strings and the nesting of its
// brackets), so that Parse costs little beside the parse of the document
// that follows it. The document's own syntax is checked by whoever parses
// it, after the signature.
func Parse(data []byte) (*Envelope, error) {
	if !IsEnvelope(data) {
		return nil, &Error{Err: ErrUnsigned, Detail: `it is not an envelope (a JSON object whose first member is "signed")`}
	}
	sc := scanner{data: data}
	sc.expect('{')
	if _, ok := sc.str(); !ok { // "signed", checked by IsEnvelope
		return nil, malformed("the envelope is not a JSON object")
	}
	if !sc.expect(':') || !sc.expect('{') {
		return nil, malformed(`"signed" is not a JSON object`)
	}
	var env Envelope
	var sig string
	seen := map[string]bool{}
	for first := true; ; first = false {
		sc.ws()
		if sc.peek() == '}' && first {
			sc.pos++
			break
		}
		name, ok := sc.str()
		if !ok || !sc.expect(':') {
			return nil, malformed(`"signed" is not a JSON object of named members`)
		}
		if seen[name] {
			return nil, malformed("%s appears twice in \"signed\"", quoteUntrusted(name))
		}
		seen[name] = true
		sc.ws()
		switch name {
		case "algorithm", "keyId", "signature":
			v, ok := sc.str()
			if !ok {
				return nil, malformed("signed.%s is not a string", name)
			}
			switch name {
			case "algorithm":
				env.Algorithm = v
			case "keyId":
				env.KeyID = v
			default:
				sig = v
			}
		case "document":
			start := sc.pos
			if sc.peek() != '{' {
				return nil, malformed("signed.document is not a JSON object (a ruleset or flagd document)")
			}
			if !sc.skipComposite() {
				return nil, malformed("signed.document is not valid JSON: its brackets or strings do not close")
			}
			env.Document = data[start:sc.pos:sc.pos]
		default:
			return nil, malformed("unknown field %s in \"signed\" (allowed: algorithm, keyId, signature, document)", quoteUntrusted(name))
		}
		sc.ws()
		if sc.peek() == ',' {
			sc.pos++
			continue
		}
		if !sc.expect('}') {
			return nil, malformed(`"signed" is not a JSON object: a ',' or '}' is missing after signed.%s`, name)
		}
		break
	}
	for _, name := range []string{"algorithm", "keyId", "signature", "document"} {
		if !seen[name] {
			return nil, malformed("signed.%s is missing", name)
		}
	}
	sc.ws()
	if sc.peek() == ',' {
		sc.pos++
		name, _ := sc.str()
		return nil, malformed("unknown top-level field %s beside \"signed\": the envelope holds only \"signed\"", quoteUntrusted(name))
	}
	if !sc.expect('}') {
		return nil, malformed("the envelope does not end after \"signed\"")
	}
	sc.ws()
	if sc.pos != len(data) {
		return nil, malformed("data follows the envelope")
	}
	if !ValidKeyID(env.KeyID) {
		return nil, malformed("signed.keyId is not 1 to 64 ASCII letters, digits, '-', '_', '.' or ':'")
	}
	// One spelling per signature: unpadded base64url, or padded with
	// exactly "=="; no line breaks (the decoder would skip them) and no
	// stray bits in the last character (Strict).
	if len(sig) == 88 {
		sig = strings.TrimSuffix(sig, "==")
	}
	s, err := b64.Strict().DecodeString(sig)
	if err == nil && (len(s) != 64 || strings.ContainsAny(sig, "\r\n=")) {
		err = errors.New("not one signature")
	}
	if err != nil {
		return nil, &Error{KeyID: env.KeyID, Err: ErrMalformed, Detail: "signed.signature is not base64url: write it as Sign does (base64url of the 64-byte signature)"}
	}
	env.Signature = s
	return &env, nil
}

// scanner reads the envelope's JSON around the document.
type scanner struct {
	data []byte
	pos  int
}

func (s *scanner) ws() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\r', '\n':
			s.pos++
		default:
			return
		}
	}
}

// peek returns the next byte, or 0 at the end.
func (s *scanner) peek() byte {
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

// expect skips white space and c, reporting whether c was there.
func (s *scanner) expect(c byte) bool {
	s.ws()
	if s.peek() != c {
		return false
	}
	s.pos++
	return true
}

// str reads a JSON string (after white space) and returns its value.
func (s *scanner) str() (string, bool) {
	s.ws()
	start := s.pos
	if !s.skipString() {
		return "", false
	}
	var v string
	if json.Unmarshal(s.data[start:s.pos], &v) != nil {
		return "", false
	}
	return v, true
}

// skipString moves past the string starting at pos.
func (s *scanner) skipString() bool {
	if s.peek() != '"' {
		return false
	}
	for i := s.pos + 1; i < len(s.data); i++ {
		switch c := s.data[i]; {
		case c == '\\':
			i++
		case c == '"':
			s.pos = i + 1
			return true
		case c < 0x20:
			return false
		}
	}
	return false
}

// maxDepth bounds the nesting the envelope scanner follows before any
// signature is checked, as encoding/json bounds its own.
const maxDepth = 10000

// skipComposite moves past the object or array starting at pos, following
// its strings and the nesting of its brackets.
func (s *scanner) skipComposite() bool {
	var stack []byte
	for s.pos < len(s.data) {
		switch c := s.data[s.pos]; c {
		case '"':
			if !s.skipString() {
				return false
			}
			continue
		case '{', '[':
			if len(stack) == maxDepth {
				return false // deeper than any ruleset, and than encoding/json reads
			}
			stack = append(stack, c+2) // '{'+2 is '}', '['+2 is ']'

		case '}', ']':
			if len(stack) == 0 || stack[len(stack)-1] != c {
				return false
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				s.pos++
				return true
			}
		}
		s.pos++
	}
	return false
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
	sig := ed25519.Sign(key.Key(), doc)
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
