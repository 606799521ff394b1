package evaluator

// Reason says why a result has its value. Its String form is OpenFeature's
// resolution reason (plus PREREQUISITE_FAILED). Reasons are small integers
// rather than strings so that a Result stays small: it is returned by value
// on every evaluation, and its size shows in the benchmarks.
type Reason uint8

// Reasons. The zero Reason is not one an evaluation
// returns; its String is empty.
const (
	ReasonStatic Reason = iota + 1
	ReasonDefault
	ReasonTargetingMatch
	ReasonSplit
	ReasonDisabled
	ReasonPrerequisiteFailed
	ReasonError
)

var reasonNames = [...]string{
	ReasonStatic:             "STATIC",
	ReasonDefault:            "DEFAULT",
	ReasonTargetingMatch:     "TARGETING_MATCH",
	ReasonSplit:              "SPLIT",
	ReasonDisabled:           "DISABLED",
	ReasonPrerequisiteFailed: "PREREQUISITE_FAILED",
	ReasonError:              "ERROR",
}

// String returns the reason's name as OpenFeature spells it, e.g.
// "TARGETING_MATCH"; "" for the zero Reason and unknown values.
func (r Reason) String() string { return lookupName(reasonNames[:], uint8(r)) }

// MarshalText encodes the reason as its name, so JSON and structured logs
// show "SPLIT" rather than a number.
func (r Reason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// ErrorCode classifies an evaluation that fell back to the caller's default
// because of an error. Its String form is OpenFeature's error code.
type ErrorCode uint8

// Error codes. ErrorNone, the zero value, means no
// error; its String is empty.
const (
	ErrorNone ErrorCode = iota
	ErrorFlagNotFound
	ErrorTypeMismatch
	ErrorTargetingKeyMissing
	ErrorInvalidContext
	ErrorProviderNotReady
)

var errorCodeNames = [...]string{
	ErrorNone:                "",
	ErrorFlagNotFound:        "FLAG_NOT_FOUND",
	ErrorTypeMismatch:        "TYPE_MISMATCH",
	ErrorTargetingKeyMissing: "TARGETING_KEY_MISSING",
	ErrorInvalidContext:      "INVALID_CONTEXT",
	ErrorProviderNotReady:    "PROVIDER_NOT_READY",
}

var errorMessages = [...]string{
	ErrorNone:                "",
	ErrorFlagNotFound:        "flag not found in the ruleset",
	ErrorTypeMismatch:        "flag type differs from the requested type",
	ErrorTargetingKeyMissing: "rollout needs a targeting key and the context has none",
	ErrorInvalidContext:      "rollout bucketBy attribute is missing or not a string or integer",
	ErrorProviderNotReady:    "no ruleset has been loaded yet",
}

// String returns the code's name as OpenFeature spells it, e.g.
// "FLAG_NOT_FOUND"; "" for ErrorNone and unknown values.
func (c ErrorCode) String() string { return lookupName(errorCodeNames[:], uint8(c)) }

// MarshalText encodes the code as its name.
func (c ErrorCode) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Message returns a fixed description of the code, "" for ErrorNone. It
// never contains context values.
func (c ErrorCode) Message() string { return lookupName(errorMessages[:], uint8(c)) }

// lookupName returns names[i], or "" when i is out of range.
func lookupName(names []string, i uint8) string {
	if int(i) < len(names) {
		return names[i]
	}
	return ""
}

// Result is the outcome of one evaluation. Evaluation never fails with an
// error or a panic: problems are reported as Reason ERROR with an ErrorCode.
//
// A Result is returned by value, so its size is part of the cost of every
// evaluation: the fields are ordered so that it packs into 64 bytes. (At
// 72 bytes the copy's overlapping moves stalled store forwarding and
// doubled the time of a static flag.)
type Result struct {
	// Value is the served variant's value, or nil when Variant is empty
	// and the caller's default applies. Booleans are bool, strings string,
	// integers int64, floats float64; object values are a fresh deep copy
	// the caller owns in encoding/json's shape (map[string]any, []any,
	// float64, string, bool, nil).
	Value any
	// Variant is the served variant's name; empty when the caller's default
	// was returned.
	Variant string
	// RuleID is the ID of the rule that served, if it has one.
	RuleID string
	// Metadata is the flag's metadata with "rulesetTenantId",
	// "rulesetEnvironment" and "rulesetVersion" added when the ruleset has
	// them, and "ruleId" when a rule with an id served.
	// Whole numbers are int64, others float64. The map is shared by all
	// results of the flag (or rule) and must not be modified. It is nil
	// when there is nothing to report.
	Metadata map[string]any
	// FlagType is the flag's declared type; the zero FlagType for
	// FLAG_NOT_FOUND and PROVIDER_NOT_READY.
	FlagType FlagType
	Reason   Reason
	// ErrorCode is ErrorNone unless Reason is ReasonError.
	ErrorCode ErrorCode
	// TrackEvents is true when the flag, or the rule that served, asks for
	// a full evaluation event.
	TrackEvents bool
}

// UsedDefault reports whether Value is the caller's default rather than a
// variant of the flag. It has a value receiver, so
// ev.Evaluate(key, ctx).UsedDefault() works; r.ErrorCode.Message()
// describes an error.
func (r Result) UsedDefault() bool { return r.Variant == "" }
