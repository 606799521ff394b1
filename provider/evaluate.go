package provider

import (
	"context"
	"fmt"

	"github.com/open-feature/go-sdk/openfeature"

	"github.com/switchyardhq/switchyard/evaluator"
)

// BooleanEvaluation evaluates a boolean flag.
func (p *Provider) BooleanEvaluation(_ context.Context, flag string, defaultValue bool, fc openfeature.FlattenedContext) openfeature.BoolResolutionDetail {
	return resolve(p, flag, evaluator.TypeBoolean, defaultValue, fc)
}

// StringEvaluation evaluates a string flag.
func (p *Provider) StringEvaluation(_ context.Context, flag string, defaultValue string, fc openfeature.FlattenedContext) openfeature.StringResolutionDetail {
	return resolve(p, flag, evaluator.TypeString, defaultValue, fc)
}

// FloatEvaluation evaluates a float flag; integer flags are read as float64.
func (p *Provider) FloatEvaluation(_ context.Context, flag string, defaultValue float64, fc openfeature.FlattenedContext) openfeature.FloatResolutionDetail {
	return resolve(p, flag, evaluator.TypeFloat, defaultValue, fc)
}

// IntEvaluation evaluates an integer flag as int64. Float flags are a
// TYPE_MISMATCH: they are never silently truncated.
func (p *Provider) IntEvaluation(_ context.Context, flag string, defaultValue int64, fc openfeature.FlattenedContext) openfeature.IntResolutionDetail {
	return resolve(p, flag, evaluator.TypeInteger, defaultValue, fc)
}

// ObjectEvaluation evaluates an object flag. The value is a deep copy the
// caller owns (map[string]any or []any with float64 numbers).
func (p *Provider) ObjectEvaluation(_ context.Context, flag string, defaultValue any, fc openfeature.FlattenedContext) openfeature.InterfaceResolutionDetail {
	return resolve(p, flag, evaluator.TypeObject, defaultValue, fc)
}

// resolve evaluates flag as typ against the current ruleset. The value is
// the variant's, or defaultValue when the caller's default applies (the
// evaluator then returns a nil Value).
func resolve[T any](p *Provider, flag string, typ evaluator.FlagType, defaultValue T, fc openfeature.FlattenedContext) openfeature.GenericResolutionDetail[T] {
	ev := p.current.Load()
	r := ev.EvaluateAs(flag, typ, fc)
	v, ok := r.Value.(T)
	if !ok {
		v = defaultValue
	}
	if t := p.telemetry; t != nil {
		t.count(flag, &r, ev.Version())
		if r.TrackEvents {
			t.evaluation(flag, &r, ev.Version(), v, fc)
		}
	}
	return openfeature.GenericResolutionDetail[T]{Value: v, ProviderResolutionDetail: detail(flag, &r, ev)}
}

// detail converts an evaluator result; ev is the ruleset it came from. The
// metadata map is shared and read-only: the SDK copies it before handing it
// to callers and hooks, and a caller of BooleanEvaluation and its siblings
// directly must not modify FlagMetadata either.
func detail(flag string, r *evaluator.Result, ev *evaluator.Evaluator) openfeature.ProviderResolutionDetail {
	d := openfeature.ProviderResolutionDetail{
		Reason:       openfeature.Reason(r.Reason.String()),
		Variant:      r.Variant,
		FlagMetadata: openfeature.FlagMetadata(r.Metadata),
	}
	if r.ErrorCode != evaluator.ErrorNone {
		d.ResolutionError = resolutionError(flag, r, ev)
	}
	return d
}

// resolutionError describes r's error; ev is the ruleset r came from.
func resolutionError(flag string, r *evaluator.Result, ev *evaluator.Evaluator) openfeature.ResolutionError {
	switch r.ErrorCode {
	case evaluator.ErrorFlagNotFound:
		return openfeature.NewFlagNotFoundResolutionError(fmt.Sprintf("flag %q is not in ruleset version %q", flag, ev.Version()))
	case evaluator.ErrorTypeMismatch:
		return openfeature.NewTypeMismatchResolutionError(fmt.Sprintf("flag %q is a %s flag", flag, r.FlagType))
	case evaluator.ErrorTargetingKeyMissing:
		return openfeature.NewTargetingKeyMissingResolutionError(fmt.Sprintf("flag %q: %s", flag, r.ErrorCode.Message()))
	case evaluator.ErrorInvalidContext:
		return openfeature.NewInvalidContextResolutionError(fmt.Sprintf("flag %q: %s", flag, r.ErrorCode.Message()))
	case evaluator.ErrorProviderNotReady:
		return openfeature.NewProviderNotReadyResolutionError("no ruleset has been loaded yet")
	}
	return openfeature.NewGeneralResolutionError(fmt.Sprintf("flag %q: %s", flag, r.ErrorCode.Message()))
}
