package signing_test

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"

	"github.com/switchyardhq/switchyard/signing"
)

func Example() {
	// The publisher's key (in production: signing.GenerateKey, kept secret).
	seed := make([]byte, ed25519.SeedSize)
	key := signing.NewPrivateKey("2026-12", ed25519.NewKeyFromSeed(seed))

	envelope, err := signing.Sign([]byte(`{"schemaVersion": 1, "flags": {}}`), key)
	if err != nil {
		panic(err)
	}

	// The reader trusts the public key.
	trusted, err := signing.NewKeys(key.Public())
	if err != nil {
		panic(err)
	}
	document, keyID, err := signing.Open(envelope, trusted)
	fmt.Println(string(document), keyID, err)

	tampered := strings.Replace(string(envelope), `"flags": {}`, `"flags": { }`, 1)
	_, _, err = signing.Open([]byte(tampered), trusted)
	fmt.Println(errors.Is(err, signing.ErrBadSignature))
	fmt.Println(err)
	// Output:
	// {"schemaVersion": 1, "flags": {}} 2026-12 <nil>
	// true
	// signing: key id "2026-12": the signature does not match the document: the document was changed after it was signed, or another key of this id signed it; the document was rejected
}
