package provider

import (
	"context"
	"fmt"

	"github.com/open-feature/go-sdk/openfeature"

	"github.com/switchyardhq/switchyard/evaluator"
)

// BooleanEvaluation evaluates a boolean flag.
func (p *Provider) BooleanEvaluation(_ context.Context, flag string, defaultValue bool, fc openfeature.FlattenedContext) openfeature.BoolResolutionDetail {
	r := p.current.Load().EvaluateAs(flag, evaluator.TypeBoolean, fc)
	v, ok := r.Value.(bool)
	if !ok {
		v = defaultValue
	}
	return openfeature.BoolResolutionDetail{Value: v, ProviderResolutionDetail: p.detail(flag, &r)}
}

// StringEvaluation evaluates a string flag.
func (p *Provider) StringEvaluation(_ context.Context, flag string, defaultValue string, fc openfeature.FlattenedContext) openfeature.StringResolutionDetail {
	r := p.current.Load().EvaluateAs(flag, evaluator.TypeString, fc)
	v, ok := r.Value.(string)
	if !ok {
		v = defaultValue
	}
	return openfeature.StringResolutionDetail{Value: v, ProviderResolutionDetail: p.detail(flag, &r)}
}

// FloatEvaluation evaluates a float flag; integer flags are read as float64.
func (p *Provider) FloatEvaluation(_ context.Context, flag string, defaultValue float64, fc openfeature.FlattenedContext) openfeature.FloatResolutionDetail {
	r := p.current.Load().EvaluateAs(flag, evaluator.TypeFloat, fc)
	v, ok := r.Value.(float64)
	if !ok {
		v = defaultValue
	}
	return openfeature.FloatResolutionDetail{Value: v, ProviderResolutionDetail: p.detail(flag, &r)}
}

// IntEvaluation evaluates an integer flag as int64. Float flags are a
// TYPE_MISMATCH: they are never silently truncated.
func (p *Provider) IntEvaluation(_ context.Context, flag string, defaultValue int64, fc openfeature.FlattenedContext) openfeature.IntResolutionDetail {
	r := p.current.Load().EvaluateAs(flag, evaluator.TypeInteger, fc)
	v, ok := r.Value.(int64)
	if !ok {
		v = defaultValue
	}
	return openfeature.IntResolutionDetail{Value: v, ProviderResolutionDetail: p.detail(flag, &r)}
}

// ObjectEvaluation evaluates an object flag. The value is a deep copy the
// caller owns (map[string]any or []any with float64 numbers).
func (p *Provider) ObjectEvaluation(_ context.Context, flag string, defaultValue any, fc openfeature.FlattenedContext) openfeature.InterfaceResolutionDetail {
	r := p.current.Load().EvaluateAs(flag, evaluator.TypeObject, fc)
	v := r.Value
	if r.UsedDefault() {
		v = defaultValue
	}
	return openfeature.InterfaceResolutionDetail{Value: v, ProviderResolutionDetail: p.detail(flag, &r)}
}

// detail converts an evaluator result. The metadata map is shared and
// read-only; the SDK copies it before handing it to callers and hooks.
func (p *Provider) detail(flag string, r *evaluator.Result) openfeature.ProviderResolutionDetail {
	d := openfeature.ProviderResolutionDetail{
		Reason:       openfeature.Reason(r.Reason),
		Variant:      r.Variant,
		FlagMetadata: openfeature.FlagMetadata(r.Metadata),
	}
	if r.ErrorCode != evaluator.ErrorNone {
		d.ResolutionError = p.resolutionError(flag, r)
	}
	return d
}

func (p *Provider) resolutionError(flag string, r *evaluator.Result) openfeature.ResolutionError {
	switch r.ErrorCode {
	case evaluator.ErrorFlagNotFound:
		return openfeature.NewFlagNotFoundResolutionError(fmt.Sprintf("flag %q is not in ruleset version %q", flag, p.current.Load().Version()))
	case evaluator.ErrorTypeMismatch:
		return openfeature.NewTypeMismatchResolutionError(fmt.Sprintf("flag %q is a %s flag", flag, r.FlagType))
	case evaluator.ErrorTargetingKeyMissing:
		return openfeature.NewTargetingKeyMissingResolutionError(fmt.Sprintf("flag %q: %s", flag, r.ErrorMessage))
	case evaluator.ErrorInvalidContext:
		return openfeature.NewInvalidContextResolutionError(fmt.Sprintf("flag %q: %s", flag, r.ErrorMessage))
	case evaluator.ErrorProviderNotReady:
		return openfeature.NewProviderNotReadyResolutionError("no ruleset has been loaded yet")
	}
	return openfeature.NewGeneralResolutionError(fmt.Sprintf("flag %q: %s", flag, r.ErrorMessage))
}
