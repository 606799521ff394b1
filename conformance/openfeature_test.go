package conformance_test

// This file runs the Gherkin conformance scenarios of the
// OpenFeature specification (github.com/open-feature/spec, Apache-2.0, folder
// specification/assets/gherkin, copied to
// ../../shared/conformance/openfeature-spec; see SOURCES.md there) against
// the Switchyard provider, through the go-sdk client, with step definitions
// written for this project. The flags the scenarios expect are translated
// into a Switchyard ruleset in testdata/conformance-flags.json; the
// translation is explained flag by flag in testdata/conformance-flags.md.
//
// Every scenario a provider takes part in runs: @provider-status with a
// provider really in each state (a flagtest source put into an outage, or
// a source that never delivers; status_test.go), @immutability (the
// provider must not change the caller's context, and changing returned
// details must not change the next result), and the hooks scenarios (the
// details our provider resolves are what the hooks see; hooks_test.go).
//
// Scenarios filtered out with godog tags, because a provider has no part
// in them (all of them are in evaluation_v2.feature):
//
//   - @async: the Go SDK has no asynchronous evaluation API (spec 1.4.12
//     applies to languages with one).
//   - @reason-codes-cached: CACHED is optional for a provider (spec 1.4.7);
//     Switchyard evaluates every call against its in-memory ruleset and never
//     serves a cached result, so it never reports CACHED.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cucumber/godog"
	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"

	"github.com/switchyardhq/switchyard/provider"
)

// conformanceSpecDir holds the OpenFeature feature files, relative to this
// package. It lives outside the repository, so a fresh clone skips the test.
var conformanceSpecDir = filepath.Join("..", "..", "shared", "conformance", "openfeature-spec")

// conformanceFlags is the Switchyard translation of the spec's test-flags.json.
const conformanceFlags = "testdata/conformance-flags.json"

// conformanceFilteredTags lists the tags whose scenarios are not run; the
// reasons are at the top of this file.
var conformanceFilteredTags = []string{
	"@async",
	"@reason-codes-cached",
}

// TestOpenFeatureConformance runs each feature file as a subtest, one fresh
// provider and isolated API per scenario, and logs how many scenarios
// passed and how many the tags above filtered out.
func TestOpenFeatureConformance(t *testing.T) {
	if _, err := os.Stat(conformanceSpecDir); errors.Is(err, os.ErrNotExist) {
		t.Skipf("OpenFeature conformance scenarios not found at %s: copy the spec's specification/assets/gherkin folder there to run them", conformanceSpecDir)
	}
	exclude := make([]string, len(conformanceFilteredTags))
	for i, tag := range conformanceFilteredTags {
		exclude[i] = "~" + tag
	}
	filter := strings.Join(exclude, " && ")

	for _, feature := range []string{"evaluation.feature", "evaluation_v2.feature", "metadata.feature", "hooks.feature"} {
		t.Run(feature, func(t *testing.T) {
			path := filepath.Join(conformanceSpecDir, feature)
			total := conformanceCount(t, path, "")
			selected := conformanceCount(t, path, filter)
			var byTag []string
			for _, tag := range conformanceFilteredTags {
				if n := conformanceCount(t, path, tag); n > 0 {
					byTag = append(byTag, fmt.Sprintf("%s %d", tag, n))
				}
			}

			var tally conformanceTally
			var out bytes.Buffer
			suite := godog.TestSuite{
				Name: feature,
				ScenarioInitializer: func(sc *godog.ScenarioContext) {
					(&conformanceScenario{}).register(sc, &tally)
				},
				Options: &godog.Options{
					Format:   "pretty",
					NoColors: true,
					Output:   &out,
					Paths:    []string{path},
					Tags:     filter,
					Strict:   true,
					TestingT: t,
				},
			}
			status := suite.Run()

			filtered := fmt.Sprintf("%d filtered", total-selected)
			if len(byTag) > 0 {
				filtered += " (" + strings.Join(byTag, ", ") + ")"
			}
			t.Logf("%s: %d scenarios passed, %d failed, %s, %d in the file", feature, tally.passed, tally.failed, filtered, total)
			if status != 0 || tally.failed > 0 || tally.passed != selected {
				t.Errorf("godog status %d: %d of %d selected scenarios passed\n%s", status, tally.passed, selected, out.String())
			}
		})
	}
}

// conformanceCount returns the number of scenarios (pickles: one per
// Examples row of an outline) in a feature file that match a godog tag
// filter; an empty filter matches all.
func conformanceCount(t *testing.T, path, filter string) int {
	t.Helper()
	suite := godog.TestSuite{Options: &godog.Options{Paths: []string{path}, Tags: filter}}
	features, err := suite.RetrieveFeatures()
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	n := 0
	for _, f := range features {
		n += len(f.Pickles)
	}
	return n
}

// conformanceTally counts the scenarios of one godog run. godog runs them one
// at a time (Concurrency is 1), so it needs no lock.
type conformanceTally struct{ passed, failed int }

// conformanceScenario is the state of one scenario: its own provider and
// isolated OpenFeature API, the evaluation being prepared and the last
// evaluation's outcome.
type conformanceScenario struct {
	api      *openfeature.EvaluationAPI
	provider *provider.Provider
	client   *openfeature.Client

	// The flag of the "Given a <type>-flag ..." steps, evaluated by "When
	// the flag was evaluated with details" with attrs as the context.
	kind     string
	key      string
	fallback any
	attrs    map[string]any
	// attrsCopy is a deep copy of attrs, for the immutability scenario.
	attrsCopy map[string]any
	// options are passed to every evaluation (hooks scenarios); hooks
	// records what the scenario's hooks saw.
	options []openfeature.Option
	hooks   *hookLog

	last *conformanceResult
}

// conformanceResult is the outcome of one evaluation through the client.
type conformanceResult struct {
	kind     string
	key      string
	fallback any
	value    any
	// withDetails is set when a Details method ran; details is zero
	// otherwise.
	withDetails bool
	details     openfeature.EvaluationDetails
	err         error
}

func (s *conformanceScenario) register(sc *godog.ScenarioContext, tally *conformanceTally) {
	// godog calls After once per scenario, with the error of the step that
	// failed (if any); an error returned here fails the scenario too.
	sc.After(func(ctx context.Context, _ *godog.Scenario, stepErr error) (context.Context, error) {
		err := s.shutdown()
		if stepErr != nil || err != nil {
			tally.failed++
		} else {
			tally.passed++
		}
		return ctx, err
	})

	// Shared by every feature.
	sc.Step(`^a stable provider$`, s.stableProvider)

	// evaluation.feature: each When step evaluates at once.
	sc.Step(`^an? (boolean|string|integer|float) flag with key "([^"]*)" is evaluated with default value "([^"]*)"$`, s.evaluateValue)
	sc.Step(`^an? (integer|float) flag with key "([^"]*)" is evaluated with default value (-?\d+(?:\.\d+)?)$`, s.evaluateValue)
	sc.Step(`^an? (boolean|string|integer|float) flag with key "([^"]*)" is evaluated with details and default value "([^"]*)"$`, s.evaluateDetails)
	sc.Step(`^an? (integer|float) flag with key "([^"]*)" is evaluated with details and default value (-?\d+(?:\.\d+)?)$`, s.evaluateDetails)
	sc.Step(`^an object flag with key "([^"]*)" is evaluated with a null default value$`, func(ctx context.Context, key string) error {
		return s.evaluate(ctx, "object", key, nil, nil, false)
	})
	sc.Step(`^an object flag with key "([^"]*)" is evaluated with details and a null default value$`, func(ctx context.Context, key string) error {
		return s.evaluate(ctx, "object", key, nil, nil, true)
	})
	sc.Step(`^the resolved (boolean|string|integer|float) value should be "?([^"]*)"?$`, s.resolvedValueShouldBe)
	sc.Step(`^the resolved (boolean|string|integer|float) details value should be "?([^",]*)"?, the variant should be "([^"]*)", and the reason should be "([^"]*)"$`, s.resolvedDetailsShouldBe)
	sc.Step(`^the resolved object (?:details )?value should be contain fields "([^"]*)", "([^"]*)", and "([^"]*)", with values "([^"]*)", "([^"]*)" and (-?\d+), respectively$`, s.objectShouldContain)
	sc.Step(`^the variant should be "([^"]*)", and the reason should be "([^"]*)"$`, s.variantAndReasonShouldBe)
	sc.Step(`^context contains keys "([^"]*)", "([^"]*)", "([^"]*)", "([^"]*)" with values "([^"]*)", "([^"]*)", (-?\d+), "([^"]*)"$`, s.contextContainsKeys)
	sc.Step(`^a flag with key "([^"]*)" is evaluated with default value "([^"]*)"$`, func(ctx context.Context, key, fallback string) error {
		return s.evaluate(ctx, "string", key, fallback, s.attrs, false)
	})
	sc.Step(`^the resolved string response should be "([^"]*)"$`, func(want string) error {
		return s.valueShouldBe("string", want)
	})
	sc.Step(`^the resolved flag value is "([^"]*)" when the context is empty$`, s.valueWithEmptyContextShouldBe)
	sc.Step(`^a non-existent string flag with key "([^"]*)" is evaluated with details and a fallback value "([^"]*)"$`, func(ctx context.Context, key, fallback string) error {
		return s.evaluate(ctx, "string", key, fallback, nil, true)
	})
	sc.Step(`^a string flag with key "([^"]*)" is evaluated as an integer, with details and a fallback value (-?\d+)$`, func(ctx context.Context, key string, fallback int64) error {
		return s.evaluate(ctx, "integer", key, fallback, nil, true)
	})
	sc.Step(`^the default (string|integer) value should be returned$`, s.defaultShouldBeReturned)
	sc.Step(`^the reason should indicate an error and the error code should indicate a (?:missing flag|type mismatch) with "([^"]*)"$`, func(code string) error {
		if err := s.reasonShouldBe(string(openfeature.ErrorReason)); err != nil {
			return err
		}
		return s.errorCodeShouldBe(code)
	})

	// evaluation_v2.feature and metadata.feature: Given steps prepare, one
	// When step evaluates, Then steps check the details.
	sc.Step(`^an? ([A-Za-z]+)-flag with key "([^"]*)" and a fallback value "(.*)"$`, s.prepareFlag)
	sc.Step(`^a context containing a key "([^"]*)", with type "([^"]*)" and with value "(.*)"$`, s.contextContainsTyped)
	sc.Step(`^a context containing a key "([^"]*)" with null value$`, func(key string) {
		s.setAttr(key, nil)
	})
	sc.Step(`^the flag was evaluated with details$`, func(ctx context.Context) error {
		if s.kind == "" {
			return errors.New(`no flag to evaluate: a "Given a <type>-flag with key ..." step must come first`)
		}
		return s.evaluate(ctx, s.kind, s.key, s.fallback, s.attrs, true)
	})
	sc.Step(`^the resolved details value should be "(.*)"$`, func(want string) error {
		if err := s.needDetails(); err != nil {
			return err
		}
		return s.valueShouldBe(s.last.kind, want)
	})
	sc.Step(`^the flag key should be "([^"]*)"$`, s.flagKeyShouldBe)
	sc.Step(`^the variant should be "([^"]*)"$`, s.variantShouldBe)
	sc.Step(`^the reason should be "([^"]*)"$`, s.reasonShouldBe)
	sc.Step(`^the error-code should be "([^"]*)"$`, s.errorCodeShouldBe)
	sc.Step(`^the resolved metadata should contain$`, s.metadataShouldContain)
	sc.Step(`^the resolved metadata is empty$`, s.metadataShouldBeEmpty)

	// @provider-status and @immutability (status_test.go).
	sc.Step(`^an? (not ready|error|fatal|stale) provider$`, s.statusProvider)
	sc.Step(`^the provider status should be "([^"]*)"$`, s.providerStatusShouldBe)
	sc.Step(`^an evaluation context with modifiable data$`, s.modifiableContext)
	sc.Step(`^the original evaluation context should remain unmodified$`, s.contextShouldBeUnmodified)
	sc.Step(`^the evaluation details should be immutable$`, s.detailsShouldBeImmutable)

	// hooks.feature and @hooks (hooks_test.go).
	sc.Step(`^a client with added hook$`, s.clientWithHook)
	sc.Step(`^the "([^"]*)" hook should have been executed$`, s.hookShouldHaveRun)
	sc.Step(`^the "([^"]*)" hooks? should be called with evaluation details$`, s.hooksShouldSeeDetails)
	sc.Step(`^evaluation options containing specific hooks$`, s.optionsWithHooks)
	sc.Step(`^the flag was evaluated with details using the evaluation options$`, func(ctx context.Context) error {
		return s.evaluate(ctx, s.kind, s.key, s.fallback, s.attrs, true)
	})
	sc.Step(`^the specified hooks should execute during evaluation$`, s.specifiedHooksShouldRun)
	sc.Step(`^the hook order should be maintained$`, s.hookOrderShouldBeKept)
}

// stableProvider registers a fresh provider, reading the translated flags
// from a file, in a fresh isolated API and waits until it is READY. A
// scenario that names it again (after the Background's) keeps the one it
// has.
func (s *conformanceScenario) stableProvider(ctx context.Context) error {
	if s.api != nil {
		return nil
	}
	src, err := provider.NewFileSource(provider.FileConfig{Path: conformanceFlags})
	if err != nil {
		return err
	}
	return s.start(ctx, src)
}

// start registers a fresh provider on src in a fresh isolated API and
// waits until it is READY.
func (s *conformanceScenario) start(ctx context.Context, src provider.Source) error {
	p, err := provider.New(provider.Config{Source: src, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	api := isolated.NewAPI()
	s.api, s.provider = api, p
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := api.SetProviderAndWait(ctx, p); err != nil {
		return fmt.Errorf("SetProviderAndWait: %w", err)
	}
	s.client = api.NewClient()
	return nil
}

// shutdown shuts the scenario's API (and with it the provider) down.
func (s *conformanceScenario) shutdown() error {
	if s.api == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := s.api.Shutdown(ctx)
	if perr := s.provider.ShutdownWithContext(ctx); perr != nil { // idempotent: checks it is stopped
		err = errors.Join(err, perr)
	}
	s.api, s.provider, s.client = nil, nil, nil
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// evaluate evaluates a flag of the given kind through the client, with the
// Details method when details is set and the plain Value method otherwise.
func (s *conformanceScenario) evaluate(ctx context.Context, kind, key string, fallback any, attrs map[string]any, details bool) error {
	if s.client == nil {
		return errors.New(`no provider: the scenario lacks "Given a stable provider"`)
	}
	evalCtx := openfeature.NewTargetlessEvaluationContext(attrs)
	r := &conformanceResult{kind: kind, key: key, fallback: fallback, withDetails: details}
	c := s.client
	switch kind {
	case "boolean":
		def, _ := fallback.(bool)
		if details {
			d, err := c.BooleanValueDetails(ctx, key, def, evalCtx, s.options...)
			r.value, r.details, r.err = d.Value, d.EvaluationDetails, err
		} else {
			r.value, r.err = c.BooleanValue(ctx, key, def, evalCtx, s.options...)
		}
	case "string":
		def, _ := fallback.(string)
		if details {
			d, err := c.StringValueDetails(ctx, key, def, evalCtx, s.options...)
			r.value, r.details, r.err = d.Value, d.EvaluationDetails, err
		} else {
			r.value, r.err = c.StringValue(ctx, key, def, evalCtx, s.options...)
		}
	case "integer":
		def, _ := fallback.(int64)
		if details {
			d, err := c.IntValueDetails(ctx, key, def, evalCtx, s.options...)
			r.value, r.details, r.err = d.Value, d.EvaluationDetails, err
		} else {
			r.value, r.err = c.IntValue(ctx, key, def, evalCtx, s.options...)
		}
	case "float":
		def, _ := fallback.(float64)
		if details {
			d, err := c.FloatValueDetails(ctx, key, def, evalCtx, s.options...)
			r.value, r.details, r.err = d.Value, d.EvaluationDetails, err
		} else {
			r.value, r.err = c.FloatValue(ctx, key, def, evalCtx, s.options...)
		}
	case "object":
		if details {
			d, err := c.ObjectValueDetails(ctx, key, fallback, evalCtx, s.options...)
			r.value, r.details, r.err = d.Value, d.EvaluationDetails, err
		} else {
			r.value, r.err = c.ObjectValue(ctx, key, fallback, evalCtx, s.options...)
		}
	default:
		return fmt.Errorf("unknown flag type %q", kind)
	}
	s.last = r
	return nil
}

func (s *conformanceScenario) evaluateValue(ctx context.Context, kind, key, fallback string) error {
	def, err := conformanceParse(kind, fallback)
	if err != nil {
		return err
	}
	return s.evaluate(ctx, kind, key, def, nil, false)
}

func (s *conformanceScenario) evaluateDetails(ctx context.Context, kind, key, fallback string) error {
	def, err := conformanceParse(kind, fallback)
	if err != nil {
		return err
	}
	return s.evaluate(ctx, kind, key, def, nil, true)
}

func (s *conformanceScenario) needResult() error {
	if s.last == nil {
		return errors.New("no flag has been evaluated in this scenario")
	}
	return nil
}

func (s *conformanceScenario) needDetails() error {
	if err := s.needResult(); err != nil {
		return err
	}
	if !s.last.withDetails {
		return errors.New("the last evaluation did not ask for details")
	}
	return nil
}

// valueShouldBe compares the last value with want parsed as kind.
func (s *conformanceScenario) valueShouldBe(kind, want string) error {
	if err := s.needResult(); err != nil {
		return err
	}
	expected, err := conformanceParse(kind, want)
	if err != nil {
		return err
	}
	if !reflect.DeepEqual(s.last.value, expected) {
		return fmt.Errorf("%s value of %q = %#v, want %#v (reason %s, error code %q, error %v)",
			kind, s.last.key, s.last.value, expected, s.last.details.Reason, s.last.details.ErrorCode, s.last.err)
	}
	return nil
}

func (s *conformanceScenario) resolvedValueShouldBe(kind, want string) error {
	if err := s.needResult(); err != nil {
		return err
	}
	if s.last.kind != kind {
		return fmt.Errorf("the last evaluation was of a %s flag, not a %s flag", s.last.kind, kind)
	}
	return s.valueShouldBe(kind, want)
}

func (s *conformanceScenario) resolvedDetailsShouldBe(kind, value, variant, reason string) error {
	if err := s.resolvedValueShouldBe(kind, value); err != nil {
		return err
	}
	return s.variantAndReasonShouldBe(variant, reason)
}

func (s *conformanceScenario) variantAndReasonShouldBe(variant, reason string) error {
	if err := s.variantShouldBe(variant); err != nil {
		return err
	}
	return s.reasonShouldBe(reason)
}

// objectShouldContain checks three fields of the last object value.
func (s *conformanceScenario) objectShouldContain(f1, f2, f3, v1, v2 string, v3 int64) error {
	if err := s.needResult(); err != nil {
		return err
	}
	obj, ok := s.last.value.(map[string]any)
	if !ok {
		return fmt.Errorf("object value of %q = %#v, want a map[string]any", s.last.key, s.last.value)
	}
	for _, f := range []struct {
		name string
		want any
	}{
		{f1, conformanceBoolOrString(v1)},
		{f2, conformanceBoolOrString(v2)},
		{f3, float64(v3)}, // encoding/json's shape: every number is a float64
	} {
		got, ok := obj[f.name]
		if !ok {
			return fmt.Errorf("object value of %q has no field %q: %#v", s.last.key, f.name, obj)
		}
		if !reflect.DeepEqual(got, f.want) {
			return fmt.Errorf("object value of %q: field %q = %#v, want %#v", s.last.key, f.name, got, f.want)
		}
	}
	return nil
}

func (s *conformanceScenario) contextContainsKeys(k1, k2, k3, k4, v1, v2 string, v3 int64, v4 string) {
	s.setAttr(k1, conformanceBoolOrString(v1))
	s.setAttr(k2, conformanceBoolOrString(v2))
	s.setAttr(k3, v3)
	s.setAttr(k4, conformanceBoolOrString(v4))
}

func (s *conformanceScenario) valueWithEmptyContextShouldBe(ctx context.Context, want string) error {
	if err := s.needResult(); err != nil {
		return err
	}
	if err := s.evaluate(ctx, s.last.kind, s.last.key, s.last.fallback, nil, false); err != nil {
		return err
	}
	return s.valueShouldBe(s.last.kind, want)
}

func (s *conformanceScenario) defaultShouldBeReturned(kind string) error {
	if err := s.needResult(); err != nil {
		return err
	}
	if s.last.kind != kind {
		return fmt.Errorf("the last evaluation was of a %s flag, not a %s flag", s.last.kind, kind)
	}
	if !reflect.DeepEqual(s.last.value, s.last.fallback) {
		return fmt.Errorf("%s value of %q = %#v, want the default %#v", kind, s.last.key, s.last.value, s.last.fallback)
	}
	return nil
}

func (s *conformanceScenario) setAttr(key string, value any) {
	if s.attrs == nil {
		s.attrs = make(map[string]any)
	}
	s.attrs[key] = value
}

func (s *conformanceScenario) prepareFlag(typeName, key, fallback string) error {
	kind, err := conformanceKind(typeName)
	if err != nil {
		return err
	}
	def, err := conformanceParse(kind, fallback)
	if err != nil {
		return err
	}
	s.kind, s.key, s.fallback = kind, key, def
	return nil
}

func (s *conformanceScenario) contextContainsTyped(key, typeName, value string) error {
	kind, err := conformanceKind(typeName)
	if err != nil {
		return err
	}
	v, err := conformanceParse(kind, value)
	if err != nil {
		return err
	}
	s.setAttr(key, v)
	return nil
}

func (s *conformanceScenario) flagKeyShouldBe(want string) error {
	if err := s.needDetails(); err != nil {
		return err
	}
	if got := s.last.details.FlagKey; got != want {
		return fmt.Errorf("flag key = %q, want %q", got, want)
	}
	return nil
}

func (s *conformanceScenario) variantShouldBe(want string) error {
	if err := s.needDetails(); err != nil {
		return err
	}
	if got := s.last.details.Variant; got != want {
		return fmt.Errorf("variant of %q = %q, want %q (reason %s)", s.last.key, got, want, s.last.details.Reason)
	}
	return nil
}

func (s *conformanceScenario) reasonShouldBe(want string) error {
	if err := s.needDetails(); err != nil {
		return err
	}
	if got := string(s.last.details.Reason); got != want {
		return fmt.Errorf("reason of %q = %q, want %q (variant %q, error code %q: %s)",
			s.last.key, got, want, s.last.details.Variant, s.last.details.ErrorCode, s.last.details.ErrorMessage)
	}
	return nil
}

func (s *conformanceScenario) errorCodeShouldBe(want string) error {
	if err := s.needDetails(); err != nil {
		return err
	}
	if got := string(s.last.details.ErrorCode); got != want {
		return fmt.Errorf("error code of %q = %q, want %q (reason %s)", s.last.key, got, want, s.last.details.Reason)
	}
	if s.last.err == nil {
		return fmt.Errorf("error code of %q is %s but the client returned no error", s.last.key, want)
	}
	return nil
}

// metadataShouldContain checks each row (key, metadata_type, value) of the
// table, including the Go type of the value.
func (s *conformanceScenario) metadataShouldContain(table *godog.Table) error {
	if err := s.needDetails(); err != nil {
		return err
	}
	if len(table.Rows) == 0 {
		return errors.New("empty metadata table")
	}
	col := map[string]int{}
	for i, c := range table.Rows[0].Cells {
		col[c.Value] = i
	}
	for _, name := range []string{"key", "metadata_type", "value"} {
		if _, ok := col[name]; !ok {
			return fmt.Errorf("metadata table has no %q column", name)
		}
	}
	md := s.last.details.FlagMetadata
	for _, row := range table.Rows[1:] {
		key := row.Cells[col["key"]].Value
		typeName := row.Cells[col["metadata_type"]].Value
		want := row.Cells[col["value"]].Value
		var got, expected any
		var err error
		switch typeName {
		case "String":
			expected = want
			got, err = md.GetString(key)
		case "Integer":
			expected, err = strconv.ParseInt(want, 10, 64)
			if err == nil {
				got, err = md.GetInt(key)
			}
		case "Float":
			expected, err = strconv.ParseFloat(want, 64)
			if err == nil {
				got, err = md.GetFloat(key)
			}
		case "Boolean":
			expected, err = strconv.ParseBool(want)
			if err == nil {
				got, err = md.GetBool(key)
			}
		default:
			return fmt.Errorf("unknown metadata type %q", typeName)
		}
		if err != nil {
			return fmt.Errorf("metadata of %q: %v (metadata: %#v)", s.last.key, err, md)
		}
		if got != expected {
			return fmt.Errorf("metadata of %q: %s = %#v, want %#v", s.last.key, key, got, expected)
		}
	}
	return nil
}

func (s *conformanceScenario) metadataShouldBeEmpty() error {
	if err := s.needDetails(); err != nil {
		return err
	}
	if md := s.last.details.FlagMetadata; len(md) != 0 {
		return fmt.Errorf("metadata of %q = %#v, want none", s.last.key, md)
	}
	return nil
}

// conformanceKind maps a Gherkin type name (Boolean, String, Integer,
// Float, Object, in any case) to the kind used by evaluate.
func conformanceKind(typeName string) (string, error) {
	switch kind := strings.ToLower(typeName); kind {
	case "boolean", "string", "integer", "float", "object":
		return kind, nil
	}
	return "", fmt.Errorf("unknown flag type %q", typeName)
}

// conformanceParse reads a value written in a scenario as a value of kind:
// bool, string, int64, float64, or for objects the encoding/json decoding
// of the text (null is nil).
func conformanceParse(kind, text string) (any, error) {
	switch kind {
	case "boolean":
		return strconv.ParseBool(text)
	case "string":
		return text, nil
	case "integer":
		return strconv.ParseInt(text, 10, 64)
	case "float":
		return strconv.ParseFloat(text, 64)
	case "object":
		var v any
		// Gherkin keeps the backslash of \" in table cells and step text.
		if err := json.Unmarshal([]byte(strings.ReplaceAll(text, `\"`, `"`)), &v); err != nil {
			return nil, fmt.Errorf("object value %q: %w", text, err)
		}
		return v, nil
	}
	return nil, fmt.Errorf("unknown flag type %q", kind)
}

// conformanceBoolOrString reads "true" and "false" as booleans and anything
// else as a string, as the scenarios' quoted context values mean.
func conformanceBoolOrString(text string) any {
	switch text {
	case "true":
		return true
	case "false":
		return false
	}
	return text
}
