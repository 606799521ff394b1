package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestPrivacyExample(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out); err != nil {
		t.Fatalf("run: %v", err)
	}
	got := out.String()
	for _, want := range []string{
		"staff-preview for ana@acme.com: true",
		`evaluation event context: {"_meta":{"redactedAttributes":["email","phone"]},"plan":"enterprise","targetingKey":"user-42"}`,
		"ana@acme.com   sent: false logged: false",
		"+49 30 1234    sent: false logged: false",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}
