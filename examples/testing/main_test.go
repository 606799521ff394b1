package main

import (
	"context"
	"testing"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"

	"github.com/switchyardhq/switchyard/provider"
	"github.com/switchyardhq/switchyard/provider/flagtest"
)

// newCheckout gives each test its own flags, provider and OpenFeature API,
// so tests run in parallel without seeing each other's flags.
func newCheckout(t *testing.T, td *flagtest.TestData) Checkout {
	t.Helper()
	p, err := provider.New(provider.Config{Source: td})
	if err != nil {
		t.Fatal(err)
	}
	api := isolated.NewAPI()
	if err := api.SetProviderAndWait(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Shutdown(context.Background()) })
	return Checkout{Flags: api.NewClient()}
}

func TestStaffSeeTheNewCheckout(t *testing.T) {
	t.Parallel()
	td := flagtest.New()
	td.MustUpdate(td.Flag("new-checkout").Boolean().
		Rule("staff", flagtest.Attr("email").EndsWith("@acme.com")).Serve("on").
		Default("off"))
	c := newCheckout(t, td)

	if got := c.Render(context.Background(), "u1", "ana@acme.com"); !got.NewCheckout {
		t.Errorf("Render(staff) = %+v, want NewCheckout", got)
	}
	if got := c.Render(context.Background(), "u2", "bo@example.com"); got.NewCheckout {
		t.Errorf("Render(customer) = %+v, want the old checkout", got)
	}
}

func TestDefaultsWhenFlagsAreMissing(t *testing.T) {
	t.Parallel()
	c := newCheckout(t, flagtest.New()) // no flags at all
	got := c.Render(context.Background(), "u1", "ana@acme.com")
	want := Page{NewCheckout: false, Discount: 0, MaxItems: 10}
	if got != want {
		t.Errorf("Render = %+v, want the code's defaults %+v", got, want)
	}
}

func TestFlagChangesDuringTheTest(t *testing.T) {
	t.Parallel()
	td := flagtest.New()
	td.MustUpdate(td.Flag("max-items").IntegerVariants(map[string]int64{"few": 5, "many": 50}).Default("few"))
	c := newCheckout(t, td)
	changed := make(chan []string, 1)
	handler := func(d openfeature.EventDetails) { changed <- d.FlagChanges }
	c.Flags.AddHandler(openfeature.ProviderConfigChange, &handler)

	if got := c.Render(context.Background(), "u1", "").MaxItems; got != 5 {
		t.Fatalf("MaxItems = %d, want 5", got)
	}
	td.MustUpdate(td.Flag("max-items").Default("many"))
	select {
	case keys := <-changed:
		if len(keys) != 1 || keys[0] != "max-items" {
			t.Errorf("changed flags = %v, want [max-items]", keys)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no PROVIDER_CONFIGURATION_CHANGED event")
	}
	if got := c.Render(context.Background(), "u1", "").MaxItems; got != 50 {
		t.Errorf("MaxItems after the change = %d, want 50", got)
	}
}

func TestAnOutageKeepsTheLastFlags(t *testing.T) {
	t.Parallel()
	td := flagtest.New()
	td.MustUpdate(td.Flag("discount").FloatVariants(map[string]float64{"winter": 0.2}).Default("winter"))
	c := newCheckout(t, td)

	td.SetError(nil) // the flag service goes away
	deadline := time.Now().Add(5 * time.Second)
	for c.Flags.State() != openfeature.ErrorState {
		if time.Now().After(deadline) {
			t.Fatalf("state = %s, want ERROR", c.Flags.State())
		}
		time.Sleep(time.Millisecond)
	}
	if got := c.Render(context.Background(), "u1", "").Discount; got != 0.2 {
		t.Errorf("Discount during the outage = %v, want the last served 0.2", got)
	}
}
