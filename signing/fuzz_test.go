package signing_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/switchyardhq/switchyard/signing"
)

// FuzzParse checks the envelope scanner against encoding/json: it never
// panics; what it accepts with a valid document is valid JSON whose
// "signed.document" is exactly the bytes returned; and any JSON object
// signed by Sign parses back to itself.
func FuzzParse(f *testing.F) {
	k := testKey(f, "k1", 1)
	f.Add([]byte(goldenEnvelope))
	f.Add(sign(f, doc, k))
	f.Add([]byte(`{"signed":{"document":{"a":"}\"]"},"algorithm":"x","keyId":"k","signature":""}}`))
	f.Add([]byte(`{"signed":{"document":[1],"keyId":"k"}}`))
	f.Add([]byte(`{"a": [1, {"b": "\u0041"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := signing.Parse(data)
		if err == nil && json.Valid(env.Document) {
			if !json.Valid(data) {
				t.Fatalf("Parse accepted invalid JSON %q", data)
			}
			var outer struct {
				Signed struct {
					Document json.RawMessage `json:"document"`
				} `json:"signed"`
			}
			if err := json.Unmarshal(data, &outer); err != nil {
				t.Fatalf("Parse accepted %q, encoding/json: %v", data, err)
			}
			if !bytes.Equal(outer.Signed.Document, env.Document) {
				t.Fatalf("document %q, encoding/json reads %q", env.Document, outer.Signed.Document)
			}
		}
		d := bytes.TrimSpace(data)
		if len(d) > 0 && d[0] == '{' && json.Valid(d) && bytes.IndexByte(d, '\r') < 0 {
			signed, err := signing.Sign(d, k)
			if err != nil {
				t.Fatalf("Sign(%q): %v", d, err)
			}
			got, _, err := signing.Verify(signed, keys(t, k))
			if err != nil || !bytes.Equal(got, d) {
				t.Fatalf("Verify(Sign(%q)) = %q, %v", d, got, err)
			}
		}
	})
}
