package flagtest_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"

	"github.com/switchyardhq/switchyard/provider"
	"github.com/switchyardhq/switchyard/provider/flagtest"
)

// A unit test builds its flags in Go, hands the TestData to a provider on
// an isolated OpenFeature API (so parallel tests do not share the global
// one), and changes flags or simulates an outage while it runs.
func Example() {
	ctx := context.Background()
	td := flagtest.New()
	td.MustUpdate(td.Flag("new-checkout").Boolean().Target("on", "user-1").Default("off"))

	p, err := provider.New(provider.Config{Source: td, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	api := isolated.NewAPI()
	if err := api.SetProviderAndWait(ctx, p); err != nil {
		panic(err)
	}
	defer func() { _ = api.Shutdown(ctx) }()
	client := api.NewClient()

	for _, user := range []string{"user-1", "user-2"} {
		on, _ := client.BooleanValue(ctx, "new-checkout", false, openfeature.NewEvaluationContext(user, nil))
		fmt.Println(user, on)
	}

	// Turn the flag on for everyone, mid-test.
	td.MustUpdate(td.Flag("new-checkout").Boolean().Default("on"))
	on, _ := client.BooleanValue(ctx, "new-checkout", false, openfeature.NewEvaluationContext("user-2", nil))
	fmt.Println("user-2 after the update", on)

	// An outage: the provider reports ERROR and keeps serving the last ruleset.
	td.SetError(errors.New("flag service unreachable"))
	on, _ = client.BooleanValue(ctx, "new-checkout", false, openfeature.NewEvaluationContext("user-2", nil))
	fmt.Println("during the outage", p.State(), on)
	td.Recover()
	fmt.Println("after recovery", p.State())
	// Output:
	// user-1 true
	// user-2 false
	// user-2 after the update true
	// during the outage ERROR true
	// after recovery READY
}

// Parallel tests each build their own TestData, provider and isolated
// OpenFeature API, so one test's flags never leak into another's. Here the
// two "tests" run at once on goroutines, as t.Parallel() subtests would:
//
//	func TestCheckout(t *testing.T) {
//		t.Parallel()
//		td := flagtest.New()
//		…
//		api := isolated.NewAPI()
//		require.NoError(t, api.SetProviderAndWait(ctx, p))
//		t.Cleanup(func() { _ = api.Shutdown(ctx) })
//	}
func Example_parallelTests() {
	test := func(checkoutOn bool) string {
		ctx := context.Background()
		td := flagtest.New()
		td.MustUpdate(td.Flag("new-checkout").BooleanValue(checkoutOn))
		p, err := provider.New(provider.Config{Source: td, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			return err.Error()
		}
		api := isolated.NewAPI()
		if err := api.SetProviderAndWait(ctx, p); err != nil {
			return err.Error()
		}
		defer func() { _ = api.Shutdown(ctx) }()
		on, _ := api.NewClient().BooleanValue(ctx, "new-checkout", !checkoutOn, openfeature.NewEvaluationContext("user-1", nil))
		return fmt.Sprintf("set %t, saw %t", checkoutOn, on)
	}
	results := make([]chan string, 2)
	for i, on := range []bool{true, false} {
		results[i] = make(chan string, 1)
		go func() { results[i] <- test(on) }()
	}
	for _, r := range results {
		fmt.Println(<-r)
	}
	// Output:
	// set true, saw true
	// set false, saw false
}
