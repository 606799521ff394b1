package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/open-feature/go-sdk/openfeature"

	"github.com/switchyardhq/switchyard/client"
	"github.com/switchyardhq/switchyard/client/clienttest"
	"github.com/switchyardhq/switchyard/provider"
)

const (
	env       = "production"
	probeFlag = "fleet-probe" // the flag each change flips
)

// instance is one provider of the fleet, with its own tenant, so that the
// double's request log (which records X-Tenant-ID) says whose a request
// was.
type instance struct {
	i      int
	tenant string
	p      *provider.Provider

	mu    sync.Mutex
	dials []time.Time // connection attempts, refused ones included
}

func (in *instance) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	in.mu.Lock()
	in.dials = append(in.dials, time.Now())
	in.mu.Unlock()
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

func (in *instance) dialsBetween(from, to time.Time) int {
	in.mu.Lock()
	defer in.mu.Unlock()
	n := 0
	for _, t := range in.dials {
		if !t.Before(from) && t.Before(to) {
			n++
		}
	}
	return n
}

// fleet is the double and the providers.
type fleet struct {
	srv       *clienttest.Server
	instances []*instance
	flags     int

	mu      sync.Mutex
	waiting map[string]*arrival // by ruleset version
}

// arrival collects when each instance announced a version.
type arrival struct {
	at   []time.Time
	left int
	done chan struct{}
}

func tenantOf(i int) string { return fmt.Sprintf("tenant-%04d", i) }

// document is the ruleset of tenant at version: flags boolean flags plus
// the probe, whose value alternates with the change number.
func document(tenant, version string, flags int, probe bool) []byte {
	m := make(map[string]bool, flags+1)
	for j := range flags {
		m[fmt.Sprintf("flag-%03d", j)] = j%2 == 0
	}
	m[probeFlag] = probe
	return clienttest.BooleanRuleset(tenant, env, version, m)
}

// newFleet starts the double with version v0 for every tenant, and n
// providers, initialising at most parallel at once.
func newFleet(ctx context.Context, n, flags, parallel int, streamRetry time.Duration) (*fleet, error) {
	f := &fleet{srv: clienttest.New(clienttest.Options{StreamRetry: streamRetry}), flags: flags, waiting: map[string]*arrival{}}
	for i := range n {
		in := &instance{i: i, tenant: tenantOf(i)}
		f.srv.AddClient("svc-"+in.tenant, "secret-of-"+in.tenant, in.tenant)
		f.srv.SetRuleset(in.tenant, env, document(in.tenant, "v0", flags, false))
		f.instances = append(f.instances, in)
	}
	logger := slog.New(slog.DiscardHandler)
	for _, in := range f.instances {
		src, err := provider.NewRemoteSource(provider.RemoteConfig{Client: client.Config{
			BaseURL: f.srv.URL, TenantID: in.tenant, Environment: env,
			ClientID: "svc-" + in.tenant, ClientSecret: client.Secret("secret-of-" + in.tenant),
			DialContext: in.dial,
		}})
		if err != nil {
			return f, err
		}
		if in.p, err = provider.New(provider.Config{Source: src, Logger: logger}); err != nil {
			return f, err
		}
	}
	sem := make(chan struct{}, parallel)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for _, in := range f.instances {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[in.i] = in.p.InitWithContext(ctx, openfeature.EvaluationContext{})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return f, fmt.Errorf("init: %w", err)
	}
	if err := f.srv.WaitOpenStreams(ctx, n); err != nil {
		return f, fmt.Errorf("waiting for every stream to open: %w", err)
	}
	return f, nil
}

// readEvents starts one reader per provider that timestamps its
// CONFIGURATION_CHANGED events: the provider sends them right after it
// swapped in the new ruleset, and an idle reader costs no CPU, so nothing
// polls the providers.
func (f *fleet) readEvents(ctx context.Context, wg *sync.WaitGroup) {
	for _, in := range f.instances {
		ch := in.p.EventChannel()
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case ev := <-ch:
					if ev.EventType != openfeature.ProviderConfigChange {
						continue
					}
					now := time.Now()
					version, _ := ev.EventMetadata["rulesetVersion"].(string)
					f.arrived(in.i, version, now)
				}
			}
		})
	}
}

func (f *fleet) expect(version string) *arrival {
	a := &arrival{at: make([]time.Time, len(f.instances)), left: len(f.instances), done: make(chan struct{})}
	f.mu.Lock()
	f.waiting[version] = a
	f.mu.Unlock()
	return a
}

func (f *fleet) arrived(i int, version string, t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.waiting[version]
	if a == nil || !a.at[i].IsZero() {
		return
	}
	a.at[i] = t
	if a.left--; a.left == 0 {
		close(a.done)
	}
}

// change is one measured ruleset change.
type change struct {
	version   string
	latencies []time.Duration // per instance, from its tenant's publish to its event
	publish   time.Duration   // how long publishing to every tenant took
	all       time.Duration   // from the first publish to the last arrival
	missing   int             // instances that did not get it before the timeout
}

// propagate publishes version to every tenant and waits until every
// provider serves it, or timeout.
func (f *fleet) propagate(version string, probe bool, timeout time.Duration) change {
	docs := make([][]byte, len(f.instances))
	for i, in := range f.instances {
		docs[i] = document(in.tenant, version, f.flags, probe)
	}
	a := f.expect(version)
	sent := make([]time.Time, len(f.instances))
	start := time.Now()
	for i, in := range f.instances {
		sent[i] = time.Now()
		f.srv.SetRuleset(in.tenant, env, docs[i])
	}
	c := change{version: version, publish: time.Since(start)}
	select {
	case <-a.done:
	case <-time.After(timeout):
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var last time.Time
	for i, t := range a.at {
		if t.IsZero() {
			c.missing++
			continue
		}
		c.latencies = append(c.latencies, t.Sub(sent[i]))
		if t.After(last) {
			last = t
		}
	}
	c.all = last.Sub(start)
	return c
}

// restart is one measured service restart.
type restart struct {
	outage, observe time.Duration
	// From the double's request log, relative to the moment it was
	// serving again (up), over the observation window.
	streamOpens   []time.Duration // successful stream requests: reconnections
	requests      []time.Duration // token, ruleset and stream requests
	perInstance   []int           // such requests per instance
	tokenRequests int
	// Connection attempts from the clients, refused ones included, from
	// the moment the service went down, over outage + observation.
	attempts     []int
	reconnected  time.Duration // from up until every stream was open again
	reconnectErr error
}

// restartService stops the double, waits outage (with expireTokens, the
// double forgets the tokens it issued), starts it on the same address,
// observes, then waits (up to timeout) for every stream to be
// open again.
func (f *fleet) restartService(outage, observe, timeout time.Duration, expireTokens bool) (restart, error) {
	r := restart{outage: outage, observe: observe}
	down := time.Now()
	f.srv.Stop()
	if expireTokens {
		f.srv.ExpireTokens()
	}
	time.Sleep(outage)
	var err error
	for range 50 { // the port can be briefly held by a client's connection attempt
		if err = f.srv.Start(); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return r, err
	}
	up := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), observe+timeout)
	defer cancel()
	if err := f.srv.WaitOpenStreams(ctx, len(f.instances)); err != nil {
		r.reconnectErr = err
	}
	r.reconnected = time.Since(up)
	if rest := time.Until(up.Add(observe)); rest > 0 {
		time.Sleep(rest)
	}
	index := map[string]int{}
	for _, in := range f.instances {
		index[in.tenant] = in.i
	}
	r.perInstance = make([]int, len(f.instances))
	for _, req := range f.srv.Requests() {
		at := req.Time.Sub(up)
		if at < 0 || at >= observe || req.Endpoint == clienttest.EndpointEvents || req.Endpoint == "" {
			continue
		}
		r.requests = append(r.requests, at)
		if i, ok := index[req.Tenant]; ok {
			r.perInstance[i]++
		}
		switch {
		case req.Endpoint == clienttest.EndpointToken:
			r.tokenRequests++
		case req.Endpoint == clienttest.EndpointStream && req.Status == 200:
			r.streamOpens = append(r.streamOpens, at)
		}
	}
	for _, in := range f.instances {
		r.attempts = append(r.attempts, in.dialsBetween(down, up.Add(observe)))
	}
	return r, nil
}

// tokenRequests counts token requests per instance over the whole run.
func (f *fleet) tokenRequests() (mean float64, maxCount int) {
	var tenants []string
	for _, req := range f.srv.Requests() {
		if req.Endpoint == clienttest.EndpointToken {
			tenants = append(tenants, req.Tenant)
		}
	}
	return perKey(tenants, len(f.instances))
}

// shutdown stops every provider, then the double.
func (f *fleet) shutdown() {
	var wg sync.WaitGroup
	for _, in := range f.instances {
		if in.p != nil {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				_ = in.p.ShutdownWithContext(ctx)
			})
		}
	}
	wg.Wait()
	f.srv.Close()
}
