module github.com/switchyardhq/switchyard/bench/cmd/fleet

go 1.26.0

require (
	github.com/open-feature/go-sdk v1.20.0
	github.com/switchyardhq/switchyard v0.0.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	go.uber.org/mock v0.6.0 // indirect
	golang.org/x/oauth2 v0.37.0 // indirect
)

replace github.com/switchyardhq/switchyard => ../../..
