package evaluator_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchyardhq/switchyard/evaluator"
)

// The enums print and encode as the names OpenFeature and the schema use,
// which is what providers, telemetry and logs rely on.

func TestReasonNames(t *testing.T) {
	want := map[evaluator.Reason]string{
		evaluator.ReasonStatic:             "STATIC",
		evaluator.ReasonDefault:            "DEFAULT",
		evaluator.ReasonTargetingMatch:     "TARGETING_MATCH",
		evaluator.ReasonSplit:              "SPLIT",
		evaluator.ReasonDisabled:           "DISABLED",
		evaluator.ReasonPrerequisiteFailed: "PREREQUISITE_FAILED",
		evaluator.ReasonError:              "ERROR",
		0:                                  "",
		200:                                "",
	}
	for r, name := range want {
		assert.Equalf(t, name, r.String(), "Reason(%d).String()", uint8(r))
		assert.Equalf(t, name, fmt.Sprint(r), "fmt.Sprint(Reason(%d))", uint8(r))
		text, err := r.MarshalText()
		require.NoError(t, err)
		assert.Equal(t, name, string(text))
	}
}

func TestErrorCodeNames(t *testing.T) {
	want := map[evaluator.ErrorCode]string{
		evaluator.ErrorNone:                "",
		evaluator.ErrorFlagNotFound:        "FLAG_NOT_FOUND",
		evaluator.ErrorTypeMismatch:        "TYPE_MISMATCH",
		evaluator.ErrorTargetingKeyMissing: "TARGETING_KEY_MISSING",
		evaluator.ErrorInvalidContext:      "INVALID_CONTEXT",
		evaluator.ErrorProviderNotReady:    "PROVIDER_NOT_READY",
		99:                                 "",
	}
	for c, name := range want {
		assert.Equalf(t, name, c.String(), "ErrorCode(%d).String()", uint8(c))
		if c != evaluator.ErrorNone && name != "" {
			assert.NotEmptyf(t, c.Message(), "ErrorCode(%s).Message()", c)
		}
	}
	assert.Empty(t, evaluator.ErrorNone.Message())
}

func TestFlagTypeText(t *testing.T) {
	for typ, name := range map[evaluator.FlagType]string{
		evaluator.TypeBoolean: "boolean", evaluator.TypeString: "string", evaluator.TypeInteger: "integer",
		evaluator.TypeFloat: "float", evaluator.TypeObject: "object",
	} {
		assert.Equal(t, name, typ.String())
		text, err := typ.MarshalText()
		require.NoError(t, err)
		assert.Equal(t, name, string(text))
		var back evaluator.FlagType
		require.NoError(t, back.UnmarshalText(text))
		assert.Equal(t, typ, back)
	}
	assert.Equal(t, "", evaluator.FlagType(0).String())
	assert.Equal(t, "FlagType(9)", evaluator.FlagType(9).String())
	_, err := evaluator.FlagType(9).MarshalText()
	assert.ErrorContains(t, err, "not a flag type")

	var typ evaluator.FlagType
	err = typ.UnmarshalText([]byte("Boolean"))
	assert.ErrorContains(t, err, `unknown flag type "Boolean"; use boolean, string, integer, float or object`)
}

// TestResultJSON: a Result marshalled for a log or a debug endpoint shows
// names, not numbers.
func TestResultJSON(t *testing.T) {
	r := evaluator.Result{Value: true, Variant: "on", FlagType: evaluator.TypeBoolean, Reason: evaluator.ReasonSplit}
	data, err := json.Marshal(r)
	require.NoError(t, err)
	assert.JSONEq(t, `{"Value": true, "Variant": "on", "RuleID": "", "Metadata": null, "FlagType": "boolean",
		"Reason": "SPLIT", "ErrorCode": "", "TrackEvents": false}`, string(data))
}
