package privacy_test

import (
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/switchyardhq/switchyard/privacy"
)

// benchContext returns a context with n plain attributes, a nested
// address and a context-level private list.
func benchContext(n int) map[string]any {
	ctx := map[string]any{
		"targetingKey":      "user-42",
		"email":             "ana@acme.com",
		"address":           map[string]any{"street": "1 Main St", "city": "Oslo", "country": "NO"},
		"privateAttributes": []any{"phone"},
		"phone":             "+47 555 01 234",
	}
	for i := range n {
		ctx[fmt.Sprintf("attr%d", i)] = i
	}
	return ctx
}

func BenchmarkRedact(b *testing.B) {
	policies := map[string]privacy.Policy{
		"none":     {},
		"pointers": {PrivateAttributes: []string{"email", "/address/street"}},
		"all":      {AllAttributesPrivate: true},
	}
	for _, size := range []int{5, 50} {
		for _, name := range []string{"none", "pointers", "all"} {
			p, ctx := policies[name], benchContext(size)
			b.Run(fmt.Sprintf("attrs=%d/%s", size, name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					p.Redact(ctx)
				}
			})
			r := privacy.NewRedactor(p)
			b.Run(fmt.Sprintf("attrs=%d/%s/redactor", size, name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					r.Redact(ctx)
				}
			})
		}
	}
}

func BenchmarkNewHandler(b *testing.B) {
	p := privacy.Policy{PrivateAttributes: []string{"email", "/user/phone"}}
	logger := slog.New(privacy.NewHandler(slog.NewJSONHandler(io.Discard, nil), p))
	ctx := benchContext(5)
	b.ReportAllocs()
	for b.Loop() {
		logger.Info("evaluated", "flag", "new-checkout", "email", "ana@acme.com", "context", ctx)
	}
}
