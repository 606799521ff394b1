// Package evaluator parses, validates and evaluates Switchyard rulesets
// (schema version 1) locally, with no network code.
//
// A ruleset document is decoded strictly by Parse (or Load), which rejects
// the whole document, with a *ValidationError naming the JSON path, on any
// problem: malformed JSON, unknown fields, duplicate keys, wrong types,
// unknown variants, operators or segments, prerequisite cycles, bad weights,
// invalid regular expressions or versions. Every problem is reported, as a
// *ValidationErrors listing them (Problems returns the list either way):
// first the problems of the document's shape (unknown fields, wrong types,
// missing fields), each value in error skipped; once the shape is right,
// every semantic problem. A syntax error stops decoding and is reported
// alone.
// A rejected document never yields an Evaluator, so a holder of the last
// good Evaluator keeps serving it.
//
// Compile turns the wire model (Ruleset) into an immutable *Evaluator: every
// regular expression, set, number, timestamp, version and JSON Pointer is
// prepared once, at load. Evaluating a boolean, string, integer or float
// flag does not allocate (the one exception: the first time a rule with an
// id serves, its metadata map is built and kept). An Evaluator is safe for
// concurrent use; to change rulesets, compile a new one and swap a pointer
// (atomic.Pointer). Package evaltest builds the wire model in Go, for tests
// and for programs that prefer code to a document.
//
// Evaluation takes the context as map[string]any, the shape of an
// OpenFeature flattened context, with the targeting key under
// "targetingKey". It returns a Result (value, variant, reason, rule ID,
// error code, flag metadata) and never an error or a panic.
//
// # Operator semantics
//
// A list-valued attribute ([]any, []string, []int, []int64, []float64)
// matches when any element matches. A missing or null attribute never
// matches, even with negate. A value of the wrong type for the operator
// does not match (and so does match when negated). Numbers of every Go
// numeric type and json.Number compare numerically; the string "29" is not
// the number 29. Wherever a whole number is needed (weights, integer
// variants, metadata, bucketBy values), a number counts as one when it is
// exactly an integer within int64, however written (42, 42.0, 4.2e1); a Go
// float counts only up to 2^53, where it is exact. Attributes are top-level keys or RFC 6901 JSON Pointers
// into nested map[string]any (or map[string]string) values ([]any
// elements by index).
//
// # Bucketing
//
// Rollouts use algorithm xxh64-v1 unless they name another: bucket =
// xxhash64(seed + "." + value) % 100000, and the first variant whose
// cumulative weight w satisfies bucket*total < w*100000 is served. Bucket
// exposes the hash so other implementations can check the known answers in
// testdata. A rollout with "algorithm": "murmur3-flagd" buckets as flagd's
// fractional operator does, so that contexts keep their variants when
// flags move from flagd: h = MurmurHash3_x86_32(seed + value), no
// separator, and the first variant with (h*total)>>32 < w is served
// (FlagdBucket; known answers, including the flagd testbed's examples, in
// testdata). Both default the seed to the flag key.
//
// The value is a string, or an integer written in base 10; that holds for
// the targeting key too, so {"targetingKey": 42} buckets as "42". Targets
// and segment lists hold strings and match string targeting keys only: a
// caller with numeric IDs should pass them as strings (OpenFeature's
// targeting key is always a string).
package evaluator
