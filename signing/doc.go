// Package signing signs ruleset documents and verifies them (SPEC v2
// section 9), with crypto/ed25519 from the standard library.
//
// A signed ruleset is an envelope around the document, verbatim:
//
//	{"signed": {"algorithm": "ed25519", "keyId": "2026-12",
//	            "signature": "<base64url>", "document": { …the ruleset… }}}
//
// The signature covers the exact bytes of the document value as they stand
// in the envelope, from its opening to its closing brace: nothing is
// canonicalised, so a verifier never re-encodes JSON and any change to the
// document, even of white space inside it, fails verification. The
// signature is base64url (RFC 4648 §5) of the 64-byte Ed25519 signature;
// Sign writes it without padding, Verify accepts it with or without.
//
// A service that publishes rulesets calls Sign. A reader calls Open with the
// keys it trusts: with keys, only envelopes that verify are accepted; with
// none, a plain document passes unchanged and an envelope is refused, since
// no key is known to verify it. Every failure is an *Error that names the
// key id and the reason, wrapping one of the sentinel errors.
//
// Keys are identified by a key id chosen by their owner (for example the
// month they were made). A Keys set trusts several at once, so a publisher
// can rotate: trust the new key beside the old one, switch the signer to
// the new key, then remove the old one. Key files are one line per key,
// described at ParsePublicKeys and ParsePrivateKey.
package signing
