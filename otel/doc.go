// Package otel records Switchyard flag evaluations in OpenTelemetry traces
// and metrics without exporting personal data.
//
// Hook is an OpenFeature hook. Add it to an API, a client or one
// evaluation:
//
//	h, err := otel.NewHook(otel.Options{ContextIDKey: key})
//	api.AddHooks(h)
//
// For each evaluation it adds the "feature_flag.evaluation" event of the
// OpenTelemetry semantic conventions to the span in the evaluation's
// context.Context (when that span is recording), with these attributes:
//
//   - feature_flag.key, feature_flag.provider.name;
//   - feature_flag.result.variant (when a variant served) and
//     feature_flag.result.reason (lower case, as the conventions spell it);
//   - error.type, the OpenFeature error code in lower case
//     ("flag_not_found", "type_mismatch", …; "general" for an error without
//     a code), only when the evaluation failed;
//   - feature_flag.set.id, "<tenant>/<environment>" of the ruleset, and
//     feature_flag.version, its version, from the flag metadata keys
//     "rulesetTenantId", "rulesetEnvironment" and "rulesetVersion" that the
//     Switchyard provider returns;
//   - feature_flag.context.id, a keyed pseudonym of the targeting key: the
//     lower-case hex of HMAC-SHA-256(ContextIDKey, targeting key) truncated
//     to 16 bytes. It is absent when no ContextIDKey is configured, when the
//     context has no targeting key, and for anonymous contexts (attribute
//     "anonymous" is the bool true, as in package privacy). The raw
//     targeting key is never recorded;
//   - feature_flag.result.value, only when the flag's metadata has
//     "otelRecordValue": true (see RecordValueMetadataKey). Values are
//     omitted by default because a variant's value may be personal data.
//
// No other context attribute is ever read, so private attributes cannot
// reach a span.
//
// It also counts evaluations with two counters of the configured meter:
// "feature_flag.evaluation.requests" with feature_flag.key,
// feature_flag.result.variant and feature_flag.result.reason, and
// "feature_flag.evaluation.errors" with feature_flag.key and error.type.
// Their attributes come from the ruleset and the SDK's fixed sets of
// reasons and error codes, never from the evaluation context, so their
// cardinality is bounded by the flag keys an application evaluates (keys
// not in the ruleset count too: never build flag keys from request data).
// A Hook must come from NewHook; a zero Hook records nothing.
package otel
