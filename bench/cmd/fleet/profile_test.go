package main

import (
	"math"
	"strings"
	"testing"
	"time"
)

const dump = `goroutine 1 [running]:
main.main()
	/x/main.go:10 +0x1

goroutine 7 [IO wait]:
net/http.(*conn).serve(0xc000)
	/go/src/net/http/server.go:2000 +0x1
created by net/http.(*Server).Serve in goroutine 6

goroutine 8 [chan receive]:
github.com/switchyardhq/switchyard/provider.(*remoteRun).streamLoop(0xc000)
	/x/remote.go:600 +0x1
created by main.(*fleet).readEvents in goroutine 1

goroutine 9 [select]:
net/http.(*persistConn).readLoop(0xc000)
	/go/src/net/http/transport.go:2000 +0x1
`

func TestClassifyGoroutines(t *testing.T) {
	server, harness, other := classifyGoroutines(dump)
	if server != 1 || harness != 1 || other != 2 {
		t.Errorf("classify = server %d, harness %d, other %d; want 1, 1, 2 (a goroutine created by main runs the provider's code)", server, harness, other)
	}
}

func TestAttributeHeap(t *testing.T) {
	profile := strings.Join([]string{
		"heap profile: 3: 3072 [3: 3072] @ heap/1024",
		"1: 1024 [1: 1024] @ 0x1 0x2",
		"#	0x1	bufio.NewReaderSize+0x1	/go/src/bufio/bufio.go:1",
		"#	0x2	net/http.(*conn).serve+0x1	/go/src/net/http/server.go:1",
		"",
		"2: 2048 [2: 2048] @ 0x3",
		"#	0x3	github.com/switchyardhq/switchyard/evaluator.Load+0x1	/x/load.go:1",
		"",
		"",
		"# runtime.MemStats",
		"# Alloc = 123 @ nothing",
	}, "\n")
	server, other := attributeHeap(profile, 1024)
	scale := 1 / (1 - math.Exp(-1)) // objects of 1024 B sampled at 1024 B
	if math.Abs(server-1024*scale) > 1e-6 || math.Abs(other-2048*scale) > 1e-6 {
		t.Errorf("attributeHeap = %v, %v; want %v, %v", server, other, 1024*scale, 2048*scale)
	}
}

func TestParseFlags(t *testing.T) {
	cfg, err := parseFlags([]string{"-n", "50", "-outages", "1s, 0s", "-observe", "5s"})
	if err != nil || cfg.n != 50 || len(cfg.outages) != 2 || cfg.outages[0] != time.Second || cfg.outages[1] != 0 {
		t.Fatalf("parseFlags = %+v, %v", cfg, err)
	}
	for _, bad := range [][]string{{"-n", "0"}, {"-outages", "soon"}, {"-outages", "-1s"}, {"extra"}, {"-observe", "0s"}} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("parseFlags(%q) accepted", bad)
		}
	}
}
