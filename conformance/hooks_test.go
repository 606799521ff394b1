package conformance_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cucumber/godog"
	"github.com/open-feature/go-sdk/openfeature"
)

// hookLog records, in order, every stage each recording hook ran and the
// evaluation details the after and finally stages received.
type hookLog struct {
	calls   []string                                          // "name:stage"
	details map[string]openfeature.InterfaceEvaluationDetails // by stage, last seen
}

// recordingHook is one named hook writing to a hookLog. godog runs one
// scenario at a time and the SDK runs hooks on the evaluating goroutine,
// so the log needs no lock.
type recordingHook struct {
	name string
	log  *hookLog
}

func (h recordingHook) record(stage string, d *openfeature.InterfaceEvaluationDetails) {
	h.log.calls = append(h.log.calls, h.name+":"+stage)
	if d != nil {
		h.log.details[stage] = *d
	}
}

func (h recordingHook) Before(context.Context, openfeature.HookContext, openfeature.HookHints) (*openfeature.EvaluationContext, error) {
	h.record("before", nil)
	return nil, nil
}

func (h recordingHook) After(_ context.Context, _ openfeature.HookContext, d openfeature.InterfaceEvaluationDetails, _ openfeature.HookHints) error {
	h.record("after", &d)
	return nil
}

func (h recordingHook) Error(context.Context, openfeature.HookContext, error, openfeature.HookHints) {
	h.record("error", nil)
}

func (h recordingHook) Finally(_ context.Context, _ openfeature.HookContext, d openfeature.InterfaceEvaluationDetails, _ openfeature.HookHints) {
	h.record("finally", &d)
}

func newHookLog() *hookLog {
	return &hookLog{details: map[string]openfeature.InterfaceEvaluationDetails{}}
}

func (s *conformanceScenario) clientWithHook() error {
	if s.client == nil {
		return errors.New("no provider in this scenario")
	}
	s.hooks = newHookLog()
	s.client.AddHooks(recordingHook{name: "client", log: s.hooks})
	return nil
}

func (s *conformanceScenario) hookShouldHaveRun(stage string) error {
	if s.hooks == nil {
		return errors.New("no hook in this scenario")
	}
	for _, c := range s.hooks.calls {
		if strings.HasSuffix(c, ":"+stage) {
			return nil
		}
	}
	return fmt.Errorf("the %s hook did not run; calls: %v", stage, s.hooks.calls)
}

// hooksShouldSeeDetails checks what the named stages (comma-separated)
// received against the table's rows of data_type, key, value.
func (s *conformanceScenario) hooksShouldSeeDetails(stages string, table *godog.Table) error {
	if s.hooks == nil {
		return errors.New("no hook in this scenario")
	}
	for _, stage := range strings.Split(stages, ",") {
		stage = strings.TrimSpace(stage)
		d, ok := s.hooks.details[stage]
		if !ok {
			return fmt.Errorf("the %s hook received no evaluation details; calls: %v", stage, s.hooks.calls)
		}
		for _, row := range table.Rows[1:] {
			typ, key, want := row.Cells[0].Value, row.Cells[1].Value, row.Cells[2].Value
			var got any
			switch key {
			case "flag_key":
				got = d.FlagKey
			case "value":
				got = d.Value
			case "variant":
				got = d.Variant
			case "reason":
				got = string(d.Reason)
			case "error_code":
				got = string(d.ErrorCode)
			default:
				return fmt.Errorf("unknown evaluation detail %q", key)
			}
			if err := detailEquals(typ, got, want); err != nil {
				return fmt.Errorf("%s hook, %s: %w", stage, key, err)
			}
		}
	}
	return nil
}

// detailEquals compares one recorded detail with the table's text; "null"
// is the zero value (an empty variant or error code).
func detailEquals(typ string, got any, want string) error {
	if want == "null" {
		if got == nil || got == "" {
			return nil
		}
		return fmt.Errorf("got %#v, want null", got)
	}
	var expected any = want
	if typ == "boolean" {
		b, err := strconv.ParseBool(want)
		if err != nil {
			return err
		}
		expected = b
	}
	if got != expected {
		return fmt.Errorf("got %#v, want %#v", got, expected)
	}
	return nil
}

// optionsWithHooks prepares two invocation hooks for the next evaluation.
func (s *conformanceScenario) optionsWithHooks() {
	s.hooks = newHookLog()
	s.options = []openfeature.Option{openfeature.WithHooks(
		recordingHook{name: "first", log: s.hooks},
		recordingHook{name: "second", log: s.hooks},
	)}
}

func (s *conformanceScenario) specifiedHooksShouldRun() error {
	for _, name := range []string{"first", "second"} {
		for _, stage := range []string{"before", "after", "finally"} {
			if !slices.Contains(s.hooks.calls, name+":"+stage) {
				return fmt.Errorf("hook %s did not run its %s stage; calls: %v", name, stage, s.hooks.calls)
			}
		}
	}
	return nil
}

// hookOrderShouldBeKept: before stages run in the order given, after and
// finally stages in reverse (OpenFeature spec 4.4.2).
func (s *conformanceScenario) hookOrderShouldBeKept() error {
	want := []string{"first:before", "second:before", "second:after", "first:after", "second:finally", "first:finally"}
	if !slices.Equal(s.hooks.calls, want) {
		return fmt.Errorf("hook calls %v, want %v", s.hooks.calls, want)
	}
	return nil
}
