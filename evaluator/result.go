package evaluator

// Reason says why a result has its value. The values match OpenFeature's
// resolution reasons, plus PREREQUISITE_FAILED.
type Reason string

// Reasons of SPEC section 2.1.
const (
	ReasonStatic             Reason = "STATIC"
	ReasonDefault            Reason = "DEFAULT"
	ReasonTargetingMatch     Reason = "TARGETING_MATCH"
	ReasonSplit              Reason = "SPLIT"
	ReasonDisabled           Reason = "DISABLED"
	ReasonPrerequisiteFailed Reason = "PREREQUISITE_FAILED"
	ReasonError              Reason = "ERROR"
)

// ErrorCode classifies an evaluation that fell back to the caller's default
// because of an error. The values match OpenFeature's error codes.
type ErrorCode string

// Error codes of SPEC section 2.1.
const (
	ErrorNone                ErrorCode = ""
	ErrorFlagNotFound        ErrorCode = "FLAG_NOT_FOUND"
	ErrorTypeMismatch        ErrorCode = "TYPE_MISMATCH"
	ErrorTargetingKeyMissing ErrorCode = "TARGETING_KEY_MISSING"
	ErrorInvalidContext      ErrorCode = "INVALID_CONTEXT"
	ErrorProviderNotReady    ErrorCode = "PROVIDER_NOT_READY"
)

// Result is the outcome of one evaluation. Evaluation never fails with an
// error or a panic: problems are reported as Reason ERROR with an ErrorCode.
type Result struct {
	// Value is the served variant's value, or the caller's default when
	// Variant is empty. Booleans are bool, strings string, integers int64,
	// floats float64; object values are a fresh deep copy the caller owns
	// in encoding/json's shape (map[string]any, []any, float64, string,
	// bool, nil).
	Value any
	// Variant is the served variant's name; empty when the caller's default
	// was returned.
	Variant string
	Reason  Reason
	// RuleID is the ID of the rule that served, if it has one.
	RuleID    string
	ErrorCode ErrorCode
	// ErrorMessage is a fixed description of ErrorCode. It never contains
	// context values.
	ErrorMessage string
	// FlagType is the flag's declared type; empty for FLAG_NOT_FOUND.
	FlagType FlagType
	// Metadata is the flag's metadata with "rulesetVersion" added when the
	// ruleset has a version, and "ruleId" when a rule with an id served.
	// Whole numbers are int64, others float64. The map is shared by all
	// results of the flag (or rule) and must not be modified. It is nil
	// when there is nothing to report.
	Metadata map[string]any
	// TrackEvents is true when the flag, or the rule that served, asks for
	// a full evaluation event (SPEC section 6).
	TrackEvents bool
}

// UsedDefault reports whether Value is the caller's default rather than a
// variant of the flag.
func (r *Result) UsedDefault() bool { return r.Variant == "" }
