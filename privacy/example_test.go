package privacy_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"

	"github.com/switchyardhq/switchyard/privacy"
)

func ExamplePolicy_Redact() {
	policy := privacy.Policy{PrivateAttributes: []string{"email", "/address/street"}}
	ctx := map[string]any{
		"targetingKey":      "user-42",
		"email":             "ana@acme.com",
		"plan":              "enterprise",
		"phone":             "+47 555 01 234",
		"address":           map[string]any{"street": "1 Main St", "country": "NO"},
		"privateAttributes": []string{"phone"}, // this context's own list
	}
	out, _ := json.Marshal(policy.Redact(ctx))
	fmt.Println(string(out))
	// Output:
	// {"_meta":{"redactedAttributes":["/address/street","email","phone"]},"address":{"country":"NO"},"plan":"enterprise","targetingKey":"user-42"}
}

func ExamplePolicy_Redact_anonymous() {
	ctx := map[string]any{"targetingKey": "device-7f3a", "anonymous": true, "country": "NO"}
	out, _ := json.Marshal(privacy.Policy{}.Redact(ctx))
	fmt.Println(string(out))
	// Output:
	// {"anonymous":true}
}

func ExamplePolicy_Redact_allAttributesPrivate() {
	policy := privacy.Policy{AllAttributesPrivate: true}
	ctx := map[string]any{"targetingKey": "user-42", "email": "ana@acme.com", "plan": "enterprise"}
	out, _ := json.Marshal(policy.Redact(ctx))
	fmt.Println(string(out))
	// Output:
	// {"_meta":{"redactedAttributes":["email","plan"]},"targetingKey":"user-42"}
}

func ExamplePolicy_Redact_arrays() {
	policy := privacy.Policy{PrivateAttributes: []string{"/emails/0", "/orders/1/card"}}
	ctx := map[string]any{
		"targetingKey": "user-42",
		"emails":       []any{"ana@acme.com", "ana@example.org"},
		"orders":       []any{map[string]any{"id": "o-1"}, map[string]any{"id": "o-2", "card": "4111"}},
	}
	out, _ := json.Marshal(policy.Redact(ctx))
	fmt.Println(string(out))
	// Output:
	// {"_meta":{"redactedAttributes":["/emails/0","/orders/1/card"]},"emails":[null,"ana@example.org"],"orders":[{"id":"o-1"},{"id":"o-2"}],"targetingKey":"user-42"}
}

// dropTime removes the time from log lines so that the examples' output
// is stable.
func dropTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

func ExamplePolicy_ReplaceAttr() {
	policy := privacy.Policy{PrivateAttributes: []string{"email", "/user/phone"}}
	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			return policy.ReplaceAttr(groups, dropTime(groups, a))
		},
	}))
	logger.Info("signed in",
		"email", "ana@acme.com",
		slog.Group("user", "phone", "+47 555 01 234", "plan", "enterprise"),
		"context", map[string]any{"targetingKey": "user-42", "email": "ana@acme.com"},
	)
	// Output:
	// {"level":"INFO","msg":"signed in","email":"[REDACTED]","user":{"phone":"[REDACTED]","plan":"enterprise"},"context":{"_meta":{"redactedAttributes":["email"]},"targetingKey":"user-42"}}
}

func ExampleNewHandler() {
	policy := privacy.Policy{PrivateAttributes: []string{"email"}}
	inner := slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: dropTime})
	logger := slog.New(privacy.NewHandler(inner, policy))

	logger.With("email", "ana@acme.com").WithGroup("request").Info("flag evaluated",
		"flag", "new-checkout",
		"context", map[string]any{"targetingKey": "user-42", "email": "ana@acme.com", "plan": "enterprise"},
	)
	// Output:
	// {"level":"INFO","msg":"flag evaluated","email":"[REDACTED]","request":{"flag":"new-checkout","context":{"_meta":{"redactedAttributes":["email"]},"plan":"enterprise","targetingKey":"user-42"}}}
}

func ExampleContext() {
	policy := privacy.Policy{PrivateAttributes: []string{"/address/street"}}
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: dropTime}))
	ctx := map[string]any{
		"targetingKey": "user-42",
		"address":      map[string]any{"street": "1 Main St", "country": "NO"},
	}
	// Any handler logs the redacted form, with or without NewHandler.
	logger.Info("evaluated", "context", privacy.Context{Policy: policy, Attributes: ctx})
	// Output:
	// level=INFO msg=evaluated context._meta.redactedAttributes=[/address/street] context.address.country=NO context.targetingKey=user-42
}
