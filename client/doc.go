// Package client talks to the Switchyard flag service for one tenant and
// environment: it fetches the ruleset document (conditional GET with
// ETags), follows the server-sent-events stream of changes, and uploads
// telemetry batches. Most programs do not use it directly:
// provider.NewRemoteSource builds one from a Config and keeps the ruleset
// fresh with it.
//
// Every request, token requests included, carries X-Tenant-ID and the SDK's
// User-Agent, X-SDK-Language and X-SDK-Version headers. Authentication is
// OAuth2 client credentials (the token is cached, shared by concurrent
// callers, refreshed before it expires, and replaced once on a 401) or a
// static API key. Plain http:// is accepted only for loopback hosts; TLS
// 1.2 is the minimum and certificates are always verified.
//
// Errors are *StatusError for unexpected statuses (matching ErrForbidden,
// ErrNotFound and ErrInvalidCredentials with errors.Is), ErrTooLarge,
// ErrCredentialsFunc, and transport errors; none contains a credential:
// secrets, API keys and tokens are redacted from response text, and
// strings the service sends (request IDs, OAuth2 error codes, ETags, event
// ids) are kept only when they are short visible ASCII without a
// credential. A Client prints, logs and marshals without its credentials.
//
// Package clienttest is an in-process test double of the service, on a
// loopback socket or, for testing/synctest, on in-memory connections.
package client
