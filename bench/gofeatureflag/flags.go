// Package gofeatureflagbench measures go-feature-flag
// (github.com/thomaspoignant/go-feature-flag) on the shared benchmark cases
// (package cases). Its evaluator is internal, so it is driven through the
// public ffclient API with a file retriever: offline in the sense that no
// relay proxy and no network are involved, the flags being read from a
// local JSON file at start (ffclient's own Offline mode serves only SDK
// defaults, so it is not used).
package gofeatureflagbench

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	ffclient "github.com/thomaspoignant/go-feature-flag"
	"github.com/thomaspoignant/go-feature-flag/ffcontext"
	"github.com/thomaspoignant/go-feature-flag/retriever/fileretriever"

	"github.com/switchyardhq/switchyard/bench/cases"
)

// Flags translates the suite into a go-feature-flag configuration file
// (JSON): one targeting rule per case rule, its query in go-feature-flag's
// rule language (in, ew, gt), a segment as `key in [...]` over its keys
// (go-feature-flag has no segments; "key" is its name for the targeting
// key), a rollout as a percentage (of the rule, or of the defaultRule). trackEvents is off: no
// exporter is configured, and Switchyard's timed path builds no events.
func Flags(s *cases.Suite) ([]byte, error) {
	flags := map[string]any{}
	for _, cf := range s.Flags {
		var targeting []any
		for _, cr := range cf.Rules {
			q, err := query(s, cf.Key, cr)
			if err != nil {
				return nil, err
			}
			rule := map[string]any{"name": cr.ID, "query": q, "variation": cr.Variant}
			if len(cr.Rollout) > 0 {
				rule = map[string]any{"name": cr.ID, "query": q, "percentage": percentage(cr.Rollout)}
			}
			targeting = append(targeting, rule)
		}
		def := map[string]any{"variation": cf.Default.Variant}
		if len(cf.Default.Rollout) > 0 {
			def = map[string]any{"percentage": percentage(cf.Default.Rollout)}
		}
		f := map[string]any{
			"variations":  map[string]any{cases.On: true, cases.Off: false},
			"defaultRule": def,
			"trackEvents": false,
		}
		if len(targeting) > 0 {
			f["targeting"] = targeting
		}
		flags[cf.Key] = f
	}
	return json.MarshalIndent(flags, "", " ")
}

func percentage(weights []cases.Weight) map[string]any {
	pct := map[string]any{}
	for _, w := range weights {
		pct[w.Variant] = w.Weight
	}
	return pct
}

func query(s *cases.Suite, flag string, r cases.Rule) (string, error) {
	attr := r.Attribute
	if attr == cases.TargetingKey {
		attr = "key"
	}
	switch r.Operator {
	case cases.OpIn:
		return attr + " in " + stringList(cases.Strings(r.Values)), nil
	case cases.OpEndsWith:
		var ors []string
		for _, v := range cases.Strings(r.Values) {
			ors = append(ors, attr+" ew "+strconv.Quote(v))
		}
		return strings.Join(ors, " or "), nil
	case cases.OpGreaterThan:
		return fmt.Sprintf("%s gt %v", attr, r.Values[0]), nil
	case cases.OpInSegment:
		seg := s.Segment(fmt.Sprint(r.Values[0]))
		return "key in " + stringList(seg.Included), nil
	}
	return "", &cases.NotExpressible{SDK: "go-feature-flag", Flag: flag, Reason: "operator " + r.Operator}
}

func stringList(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = strconv.Quote(v)
	}
	return "[" + strings.Join(quoted, ",") + "]"
}

// NewClient writes the suite's flags to dir/flags.json and starts an
// ffclient that reads them with a file retriever (polling hourly, so no
// refresh happens during a benchmark). The caller closes the client.
func NewClient(s *cases.Suite, dir string) (*ffclient.GoFeatureFlag, error) {
	doc, err := Flags(s)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "flags.json")
	if err := os.WriteFile(path, doc, 0o644); err != nil {
		return nil, err
	}
	return ffclient.New(ffclient.Config{
		PollingInterval:       time.Hour,
		Retriever:             &fileretriever.Retriever{Path: path},
		FileFormat:            "json",
		LeveledLogger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		DisableNotifierOnInit: true,
	})
}

// Context converts a flattened context into an ffcontext whose key is the
// targeting key and whose other attributes are custom attributes.
func Context(m map[string]any) ffcontext.Context {
	key, _ := m[cases.TargetingKey].(string)
	b := ffcontext.NewEvaluationContextBuilder(key)
	for k, v := range m {
		if k != cases.TargetingKey {
			b.AddCustom(k, v)
		}
	}
	return b.Build()
}
