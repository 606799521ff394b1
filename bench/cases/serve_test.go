package cases

import (
	"bytes"
	"strings"
	"testing"
)

func TestServe(t *testing.T) {
	calls := 0
	bodies := map[string]func(*testing.B){
		"ok": func(b *testing.B) {
			for b.Loop() {
				calls++
			}
		},
		"fails": func(b *testing.B) { b.Fatal("made up") },
	}
	var out bytes.Buffer
	if err := serve(strings.NewReader("ok\nnope\nfails\n\nok\n"), &out, bodies); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 || lines[0] != "SERVE ready" || !strings.HasPrefix(lines[1], "SERVE case=ok n=") ||
		!strings.Contains(lines[1], " allocs=0") ||
		lines[2] != `SERVE case=nope error="no such case"` || !strings.HasPrefix(lines[3], "SERVE case=fails error=") {
		t.Errorf("serve wrote\n%s\nwant ready, ok's result, nope's and fails' errors, and nothing after the empty line", out.String())
	}
	if calls == 0 {
		t.Error("the ok body never ran")
	}
}
