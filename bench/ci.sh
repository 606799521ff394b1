#!/usr/bin/env bash
# CI for bench/: builds and vets every bench module, runs the shared cases'
# tests, every module's equivalence check, and every benchmark once
# (-benchtime 1x), so none of them rots. Needs only Go; modules come from
# the module proxy. Called by .ci/run; fails on any error.
#
# The timed run with the report is `cd bench && go run ./cmd/perf` (not run
# here: it takes minutes of alternated rounds); `go test ./...` below runs
# the tests of its pure parts (round pairing, ratios, report rendering).
set -euo pipefail
cd "$(dirname "$0")"

modules=(. switchyard launchdarkly flagd gofeatureflag unleash)

for m in "${modules[@]}"; do
  printf '\n== %s: build, vet\n' "bench/${m#.}"
  (cd "$m" && go build ./... && go vet ./...)
done

printf '\n== bench: cases and driver tests\n'
go test ./...

for m in "${modules[@]:1}"; do
  printf '\n== bench/%s: equivalence check, then every benchmark once\n' "$m"
  # -timeout: go-feature-flag's equivalence check alone takes about 100 s
  # on two cores (it re-parses a 10 000- or 100 000-key query per
  # evaluation; the check samples a flag it cannot finish in 30 s). The
  # whole script took 2m33s on 2026-12-06.
  (cd "$m" && go test -timeout 20m -run '^TestEquivalence$' -bench . -benchtime 1x -v .)
done

# The fleet simulation is a module of its own (it needs the root module,
# which bench/ must not require). Smoke run: 50 providers, a 1 s outage,
# a 5 s window; it fails if a provider does not start, a change does not
# reach every provider or the streams do not all reopen, never on a
# performance target (this box is noisy). Its report goes to a temporary
# directory, not docs/.
printf '\n== bench/cmd/fleet: build, vet, test, smoke run (50 providers)\n'
fleet_out=$(mktemp -d)
trap 'rm -rf "$fleet_out"' EXIT
(cd cmd/fleet && go vet ./... && go test ./... &&
  timeout 60 go run . -n 50 -changes 2 -outages 1s -observe 5s -timeout 15s \
    -out "$fleet_out/fleet.md" -svg "$fleet_out/fleet.svg")

# Load in a fresh process (bench/switchyard/cmd/loadmem), once, on a
# 1 000-flag document: a smoke run, never a performance check.
printf '\n== bench/switchyard/cmd/loadmem: smoke run (1 000 flags)\n'
(cd .. && go test ./evaluator -run '^TestWriteLoadDocument$' -count=1 \
  -args -write-load-doc "$fleet_out/load.json" -load-doc-flags 1000 >/dev/null)
(cd switchyard && go run ./cmd/loadmem -runs 1 "$fleet_out/load.json")

printf '\nbench CI passed\n'
