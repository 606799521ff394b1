// Command testing is a small application whose flag-dependent code is unit
// tested with the flagtest builder in main_test.go: the tests declare flags
// in Go, change them while running, and simulate an outage, with no file and
// no server. Run the tests with
//
//	go test ./examples/testing
//
// and the program itself (serving a fixed set of flags) with
//
//	go run ./examples/testing
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"

	"github.com/switchyardhq/switchyard/provider"
	"github.com/switchyardhq/switchyard/provider/flagtest"
)

// Checkout is application code: it decides what a user sees from flags.
type Checkout struct {
	Flags *openfeature.Client
}

// Page describes the checkout page for one user.
type Page struct {
	NewCheckout bool
	Discount    float64
	MaxItems    int64
}

// Render reads the flags the checkout depends on. A flag that cannot be
// evaluated falls back to the safe default written here.
func (c Checkout) Render(ctx context.Context, userID, email string) Page {
	ec := openfeature.NewEvaluationContext(userID, map[string]any{"email": email})
	return Page{
		NewCheckout: c.Flags.Boolean(ctx, "new-checkout", false, ec),
		Discount:    c.Flags.Float(ctx, "discount", 0, ec),
		MaxItems:    c.Flags.Int(ctx, "max-items", 10, ec),
	}
}

func main() {
	td := flagtest.New()
	td.MustUpdate(
		td.Flag("new-checkout").Boolean().Rule("staff", flagtest.Attr("email").EndsWith("@acme.com")).Serve("on").Default("off"),
		td.Flag("discount").FloatVariants(map[string]float64{"none": 0, "winter": 0.2}).Default("winter"),
	)
	p, err := provider.New(provider.Config{Source: td})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	api := isolated.NewAPI()
	if err := api.SetProviderAndWait(context.Background(), p); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer api.Shutdown(context.Background())
	c := Checkout{Flags: api.NewClient()}
	for _, u := range [][2]string{{"user-1", "ana@acme.com"}, {"user-2", "bo@example.com"}} {
		fmt.Printf("%s: %+v\n", u[0], c.Render(context.Background(), u[0], u[1]))
	}
}
