package conformance_test

// This file runs the flagd testbed's evaluator suites
// (github.com/open-feature/flagd-testbed, Apache-2.0, folder
// evaluator/gherkin with its flags/testkit-flags.json, copied to
// ../../shared/conformance/flagd-testbed; see SOURCES.md there) against
// the Switchyard provider on the testkit flags translated by
// evaluator/flagd, with the step definitions of openfeature_test.go plus
// the testbed's own few.
//
// Counting is by example (one pickle per Examples row): passed, failed,
// and deliberately different. @fractional-v1 examples are flagd's legacy
// bucketing and do not apply. The deliberate differences are listed in
// flagdDifferences with their reasons; the test fails when any other
// example fails, and when a listed one passes (the list is stale).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/cucumber/godog"

	"github.com/switchyardhq/switchyard/evaluator/flagd"
	"github.com/switchyardhq/switchyard/provider"
)

var flagdTestbedDir = filepath.Join("..", "..", "shared", "conformance", "flagd-testbed", "evaluator")

// flagdDifferences maps an example (its feature file, ":", its flag key,
// then the values its context steps give, joined by "|") to why Switchyard
// answers otherwise.
var flagdDifferences = map[string]string{
	// Flags the translation leaves out (SkipUntranslatable): they answer
	// FLAG_NOT_FOUND.
	"fractional.feature:fractional-nested-var-flag|jon@company.com|red":   "a variant read from the context cannot be translated",
	"fractional.feature:fractional-nested-var-flag|jon@company.com|green": "a variant read from the context cannot be translated",
	"fractional.feature:fractional-nested-var-flag|user1|red":             "a variant read from the context cannot be translated",
	"evaluator-refs.feature:ref-to-nonexistent-evaluator-flag":            "an invalid $ref rejects the flag (FLAG_NOT_FOUND), where flagd answers PARSE_ERROR",
	// Every Switchyard result carries the ruleset version in its metadata
	// (rulesetVersion), so no flag's metadata is empty.
	"metadata.feature:boolean-flag": "metadata always holds rulesetVersion",
	"metadata.feature:integer-flag": "metadata always holds rulesetVersion",
	"metadata.feature:float-flag":   "metadata always holds rulesetVersion",
	"metadata.feature:string-flag":  "metadata always holds rulesetVersion",
	// Semantic versions: Switchyard reads SemVer 2.0 attribute values only.
	"semver.feature:semver-v-prefix-flag|V1.0.0":     `a leading "V" is not a SemVer prefix (only "v" is accepted)`,
	"semver.feature:semver-partial-version-flag|1.0": `"1.0" is not a semantic version`,
	"semver.feature:semver-partial-version-flag|1":   `"1" is not a semantic version`,
	"semver.feature:semver-partial-version-flag|1.2": "a number is not a semantic version",
	"semver.feature:semver-numeric-context-flag|1.2": "a number, or \"1.2\", is not a semantic version",
	"semver.feature:semver-numeric-context-flag|2":   "a number is not a semantic version",
}

func TestFlagdTestbed(t *testing.T) {
	flagsFile := filepath.Join(flagdTestbedDir, "flags", "testkit-flags.json")
	data, err := os.ReadFile(flagsFile)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("flagd testbed not found at %s: copy the testbed's evaluator folder there to run it", flagdTestbedDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	res, err := flagd.Translate(data, flagd.Options{SkipUntranslatable: true})
	if err != nil {
		t.Fatalf("translate %s: %v", flagsFile, err)
	}
	for _, s := range res.Skipped {
		t.Logf("left out: %v", s)
	}

	const filter = "~@fractional-v1"
	paths, err := filepath.Glob(filepath.Join(flagdTestbedDir, "gherkin", "*.feature"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no feature files in %s", flagdTestbedDir)
	}
	var passed, failed, different, legacy int
	seenDifferent := map[string]bool{}
	var unexpected []string
	for _, path := range paths {
		legacy += conformanceCount(t, path, "") - conformanceCount(t, path, filter)
		var out bytes.Buffer
		suite := godog.TestSuite{
			Name: filepath.Base(path),
			ScenarioInitializer: func(sc *godog.ScenarioContext) {
				s := &conformanceScenario{}
				var tally conformanceTally
				s.register(sc, &tally)
				sc.Step(`^an evaluator$`, func(ctx context.Context) error {
					if s.api != nil {
						return nil
					}
					src, err := provider.NewStaticSource(res.Ruleset.Clone())
					if err != nil {
						return err
					}
					return s.start(ctx, src)
				})
				sc.Step(`^a context containing a targeting key with value "(.*)"$`, func(v string) { s.setAttr("targetingKey", v) })
				sc.Step(`^a context containing a nested property with outer key "([^"]*)" and inner key "([^"]*)", with value "(.*)"$`, func(outer, inner, v string) {
					s.setAttr(outer, map[string]any{inner: v})
				})
				sc.After(func(ctx context.Context, p *godog.Scenario, stepErr error) (context.Context, error) {
					key := filepath.Base(path) + ":" + flagdExampleKey(p)
					_, listed := flagdDifferences[key]
					switch {
					case stepErr == nil && !listed:
						passed++
					case stepErr != nil && listed:
						different++
						seenDifferent[key] = true
					case stepErr != nil:
						failed++
						unexpected = append(unexpected, fmt.Sprintf("%s: %s: %v", filepath.Base(path), key, stepErr))
					default:
						unexpected = append(unexpected, fmt.Sprintf("%s: %s passes but is listed as different", filepath.Base(path), key))
					}
					return ctx, nil
				})
			},
			Options: &godog.Options{Format: "progress", NoColors: true, Output: &out, Paths: []string{path}, Tags: filter, Strict: true},
		}
		suite.Run()
	}
	for key := range flagdDifferences {
		if !seenDifferent[key] {
			unexpected = append(unexpected, fmt.Sprintf("%s is listed as different but no example ran", key))
		}
	}
	sort.Strings(unexpected)
	t.Logf("flagd testbed: %d examples passed, %d failed, %d deliberately different, %d @fractional-v1 not applicable", passed, failed, different, legacy)
	if len(unexpected) > 0 {
		t.Errorf("unexpected outcomes:\n%s", strings.Join(unexpected, "\n"))
	}
}

var flagdQuoted = regexp.MustCompile(`"([^"]*)"`)

// flagdExampleKey names an example by its flag key and the values its
// context steps give.
func flagdExampleKey(p *godog.Scenario) string {
	var parts []string
	var ctxValues []string
	for _, st := range p.Steps {
		q := flagdQuoted.FindAllStringSubmatch(st.Text, -1)
		switch {
		case strings.Contains(st.Text, "-flag with key") && len(q) > 0:
			parts = append(parts, q[0][1])
		case strings.HasPrefix(st.Text, "a context containing") && len(q) > 0:
			ctxValues = append(ctxValues, q[len(q)-1][1])
		}
	}
	return strings.Join(append(parts, ctxValues...), "|")
}
