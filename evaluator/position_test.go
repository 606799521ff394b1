package evaluator_test

import (
	"testing"

	"github.com/switchyardhq/switchyard/evaluator"
)

func TestPosition(t *testing.T) {
	doc := []byte("{\n  \"flags\": {\n    \"a\": {\"rules\": [{}, {\"id\": \"x\"}]},\n    \"odd.key\": 1\n  }\n}")
	for _, tc := range []struct {
		path      string
		line, col int
		ok        bool
	}{
		{"", 1, 1, true},
		{"flags", 2, 3, true},
		{"flags.a", 3, 5, true},
		{"flags.a.rules[1]", 3, 25, true},
		{"flags.a.rules[1].id", 3, 26, true},
		{`flags["odd.key"]`, 4, 5, true},
		{"flags.b", 0, 0, false},
	} {
		line, col, ok := evaluator.Position(doc, tc.path)
		if line != tc.line || col != tc.col || ok != tc.ok {
			t.Errorf("Position(%q) = %d, %d, %v, want %d, %d, %v", tc.path, line, col, ok, tc.line, tc.col, tc.ok)
		}
	}
	if _, _, ok := evaluator.Position([]byte(`{"a": [`), "b"); ok {
		t.Errorf("Position on malformed JSON = ok, want not found")
	}
}
