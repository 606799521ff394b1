package clienttest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/switchyardhq/switchyard/client/clienttest"
)

func ExampleNew() {
	srv := clienttest.New(clienttest.Options{})
	defer srv.Close()
	srv.AddAPIKey("server-key", "acme")
	etag := srv.SetRuleset("acme", "production", []byte(`{"schemaVersion":1,"tenantId":"acme","environment":"production","flags":{}}`))

	fetch := func(ifNoneMatch string) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+clienttest.RulesetPath("production"), nil)
		req.Header.Set("X-Tenant-ID", "acme")
		req.Header.Set("X-API-Key", "server-key")
		if ifNoneMatch != "" {
			req.Header.Set("If-None-Match", ifNoneMatch)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		line := fmt.Sprint(resp.StatusCode, " ", resp.Header.Get("ETag") == etag)
		if len(body) > 0 {
			line += " " + string(body)
		}
		fmt.Println(line)
	}
	fetch("")
	fetch(etag)

	// The next request fails, once.
	srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Status: http.StatusServiceUnavailable, RetryAfter: "2", Count: 1})
	fetch("")
	fetch(etag)

	for _, r := range srv.Requests() {
		fmt.Println(r.Method, r.Path, r.Tenant, r.Status)
	}
	// Output:
	// 200 true {"schemaVersion":1,"tenantId":"acme","environment":"production","flags":{}}
	// 304 true
	// 503 false {"error":"service_unavailable","message":"injected fault: Service Unavailable"}
	// 304 true
	// GET /api/v1/environments/production/ruleset acme 200
	// GET /api/v1/environments/production/ruleset acme 304
	// GET /api/v1/environments/production/ruleset acme 503
	// GET /api/v1/environments/production/ruleset acme 304
}

// tenantHeader adds X-Tenant-ID to every request, as the SDK does.
type tenantHeader struct{ base http.RoundTripper }

func (t tenantHeader) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Set("X-Tenant-ID", "acme")
	return t.base.RoundTrip(r)
}

func ExampleServer_AddClient() {
	srv := clienttest.New(clienttest.Options{TLS: true})
	defer srv.Close()
	srv.AddClient("my-service", "s3cret", "acme", clienttest.ScopeRead)

	// Token requests need the tenant header too.
	httpClient := &http.Client{Transport: tenantHeader{srv.Client().Transport}}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, httpClient)
	conf := clientcredentials.Config{
		ClientID:     "my-service",
		ClientSecret: "s3cret",
		TokenURL:     srv.URL + clienttest.TokenPath,
		Scopes:       []string{clienttest.ScopeRead},
	}
	tok, err := conf.Token(ctx)
	fmt.Println(err, tok.TokenType, tok.Valid())

	srv.RevokeClient("my-service")
	_, err = conf.Token(ctx)
	fmt.Println(err.(*oauth2.RetrieveError).ErrorCode)
	// Output:
	// <nil> Bearer true
	// invalid_client
}
