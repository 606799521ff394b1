package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRemoteExample(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, 3); err != nil {
		t.Fatalf("run: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{
		"ruleset 1: button-color=green",
		"PROVIDER_CONFIGURATION_CHANGED [button-color new-checkout]",
		"ruleset 2: button-color=purple",
		"PROVIDER_CONFIGURATION_CHANGED [button-color new-checkout]",
		"ruleset 3: button-color=green",
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(want), out.String())
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want prefix %q", i, lines[i], w)
		}
	}
}
