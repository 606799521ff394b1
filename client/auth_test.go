package client

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// testSecret is the client secret of the tests in this file: long enough to
// be redacted, distinctive enough to be found in any text that leaks it.
const testSecret = "sk-test-0123456789abcdefSECRET"

func TestServiceString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		keep bool
	}{
		{"empty", "", true},
		{"request ID", "req-0042", true},
		{"strong ETag", `"v1-3f2a"`, true},
		{"weak ETag", `W/"v1"`, true},
		{"every visible ASCII byte", "!~" + `"#$%&'()*+,-./09:;<=>?@AZ[\]^_` + "`az{|}", true},
		{"256 bytes", strings.Repeat("a", 256), true},
		{"257 bytes", strings.Repeat("a", 257), false},
		{"space", "req 1", false},
		{"control character", "2\x01", false},
		{"newline", "req\r\nSet-Cookie:x", false},
		{"DEL", "req\x7f", false},
		{"non-ASCII", "req-é", false},
		{"invalid UTF-8", "req-\xff", false},
		{"the secret", testSecret, false},
		{"the secret inside", "id-" + testSecret + "-x", false},
		{"a short secret is ignored", "id-short", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := serviceString(tt.in, testSecret, "short", "")
			if tt.keep {
				assert.True(t, ok, "serviceString(%q) dropped it", tt.in)
				assert.Equal(t, tt.in, got, "a kept value is unchanged")
			} else {
				assert.False(t, ok, "serviceString(%q) kept it", tt.in)
				assert.Empty(t, got, "a dropped value is dropped whole")
			}
		})
	}
}

func TestServiceRequestID(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	id, ok := serviceRequestID(h)
	assert.True(t, ok)
	assert.Empty(t, id, "no header")

	h.Set("X-Correlation-ID", "corr-1")
	id, ok = serviceRequestID(h)
	assert.True(t, ok)
	assert.Equal(t, "corr-1", id)

	h.Set("X-Request-Id", "req-1")
	id, _ = serviceRequestID(h)
	assert.Equal(t, "req-1", id, "X-Request-ID comes first")

	h.Set("X-Request-Id", "req "+testSecret)
	id, ok = serviceRequestID(h, testSecret)
	assert.False(t, ok)
	assert.Empty(t, id, "a bad first header is dropped, not replaced by the next one")
}
