// Package clienttest is an in-process test double of the Switchyard flag
// service, for integration tests of the client and the
// provider, ours and our users'.
//
// New starts an [httptest.Server] on the loopback interface (or, with
// Options.InMemory, on in-memory connections for testing/synctest) that speaks the
// v1 protocol: an OAuth2 client-credentials token endpoint, per-tenant and
// per-environment rulesets with ETags, the server-sent-events ruleset
// stream, and event upload with idempotency keys. The test registers
// credentials and rulesets, injects faults, and inspects what the code under
// test sent:
//
//	srv := clienttest.New(clienttest.Options{})
//	defer srv.Close()
//	srv.AddClient("my-client", "s3cret", "acme")
//	srv.SetRuleset("acme", "production", doc)
//	// ... point the code under test at srv.URL ...
//	srv.Fail(clienttest.Fault{Endpoint: clienttest.EndpointRuleset, Status: 503, RetryAfter: "1", Count: 2})
//	for _, r := range srv.Requests() { ... }
//
// Every method of Server is safe for concurrent use, also while requests
// are being served. The server starts no goroutines beyond those of
// net/http; after Close none of them remains.
//
// # Endpoints
//
//   - POST /api/v1/oauth/token: grant_type=client_credentials, the client
//     authenticated by HTTP Basic (id and secret form-encoded first, as
//     RFC 6749 section 2.3.1 and golang.org/x/oauth2 do) or by client_id
//     and client_secret form fields, and an X-Tenant-ID header equal to the
//     client's tenant. Answers {"access_token","token_type":"Bearer",
//     "expires_in","scope"}.
//   - GET /api/v1/environments/{env}/ruleset: the ruleset with a quoted
//     ETag; 304 when If-None-Match matches. With Options.SigningKey (or
//     Server.SetSigningKey) the body, here and on the stream, is a signed
//     envelope of the document (package signing), and the ETag is the
//     envelope's.
//   - GET /api/v1/environments/{env}/ruleset/stream: text/event-stream with
//     "ruleset" and "invalidate" events and ":" comment heartbeats.
//   - POST /api/v1/events: {"events":[...]}, stored once per Idempotency-Key
//     and tenant; answers 202.
//
// Every response carries X-Request-ID. Error responses have a small JSON
// body, {"error":"code","message":"text"}; the token endpoint's also has
// the OAuth2 "error_description". No error body names a tenant, an
// environment of another tenant, or a credential.
//
// # Decisions where the protocol leaves a choice
//
// Order of checks. A request to a service endpoint is checked in this
// order, and the first failure answers: the method (405); a Status or
// Delay fault (see Fault); authentication (401); X-Tenant-ID present and
// equal to the credential's tenant (403); the credential's scope (403);
// the endpoint's own checks (406, 415, 400, 413, 404); a Body or Oversize
// fault; success. The token endpoint checks the method, the form
// (400 invalid_request), grant_type (400 unsupported_grant_type), the
// client (401 invalid_client), X-Tenant-ID (403 access_denied), then the
// scope (400 invalid_scope).
//
// Authentication. An Authorization header takes precedence over X-API-Key:
// a bad bearer token is rejected even when a good API key is also sent.
// Every 401 carries a WWW-Authenticate: Bearer challenge (with
// error="invalid_token" when a token was presented); token-endpoint 401s
// carry WWW-Authenticate: Basic. Sending HTTP Basic and client_secret in
// the form at once is 400 invalid_request (RFC 6749 allows one method).
//
// Scopes. A client added with no scopes holds "flags:read events:write"
// (the client's default request). A token request without scope is
// granted all of the client's scopes. The ruleset and stream endpoints
// require flags:read and the events endpoint events:write; a token lacking
// it is answered 403 {"error":"insufficient_scope"} (RFC 6750). API keys
// carry every scope.
//
// Tokens. expires_in is TokenTTL rounded up to whole seconds, at least 1.
// ExpireTokens and the Options.Now clock affect requests made afterwards;
// a stream already open stays open (credentials are checked when a stream
// opens). RevokeClient and RevokeAPIKey, by contrast, also close the
// streams opened with that client's tokens or that key, as a service
// cutting off a compromised credential would. AddClient with an existing
// ID replaces its secret, tenant and scopes (a rotation): tokens already
// issued stay valid.
//
// Rulesets. Documents are served byte for byte and never parsed or
// validated, so a test can serve an invalid one. The ETag is a quoted hash
// of the bytes. The stream's event ID is the document's "version" (a
// hash when it has none), so an ETag and an event ID are different
// strings, as with a service whose ETags are content hashes; a client
// that confuses the two sees full answers where 304s were due and
// resumes with the wrong ID. Options.StreamIDs = StreamIDETag makes the
// ID the ETag's hash instead. If-None-Match accepts a list, weak
// tags (W/"...") and "*". SetRuleset pushes a ruleset event even when the
// document is unchanged.
//
// Stream. Accept must list text/event-stream explicitly (*/* is not
// enough), else 406. On connect the current document is sent as one
// "ruleset" event (event:, id:, then one data: line per line of the
// document, split on CR, LF or CRLF), unless Last-Event-ID equals the
// current ID; any other Last-Event-ID gets the full document. "invalidate"
// events carry data {} and no id. A heartbeat is the single line ":".
// With Options.StreamRetry, every stream starts with a retry field.
// The stream ends (a clean end of the chunked body) when the request's
// context is done, on Close, Stop, DropStreams, RemoveRuleset of its
// environment, or revocation of its credential.
//
// Events. The body must be a JSON object whose "events" member is an array
// (it may be empty); the events themselves are not validated. A repeated
// Idempotency-Key for the same tenant is answered 202 with the header
// Idempotent-Replayed: true and not stored again, even when its body
// differs; the first batch is kept. Keys of different tenants are
// independent.
//
// Faults. See Fault: faults match in the order they were added, only the
// four protocol endpoints are faulted (never an unknown path), and a
// Fault with an empty Endpoint matches all four. Error faults answer
// before authentication, like a failing gateway; body faults (Body or
// Oversize without Status) replace only an answer that would have
// succeeded, so their Count is not spent on rejected requests.
//
// Restarts. Stop takes the server off the network as a restarting
// service: streams end, new connections are refused and the others are
// cut. Start serves again on the same address. What the server holds
// (credentials, issued tokens, rulesets, faults, events, the request log)
// survives, as with a service whose state is in a database; ExpireTokens
// during the outage models one that forgets its tokens. Requests refused
// while the server is stopped never reach it and are not recorded.
//
// Request log. Request.Path is the path as sent (still escaped);
// Request.Status is 0 while a request has not been answered, and stays 0
// when the client went away before the answer.
package clienttest
