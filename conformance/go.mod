module github.com/switchyardhq/switchyard/conformance

go 1.26.0

require (
	github.com/cucumber/godog v0.16.0
	github.com/open-feature/go-sdk v1.20.0
	github.com/switchyardhq/switchyard v0.0.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/cucumber/gherkin/go/v42 v42.0.1 // indirect
	github.com/cucumber/messages/go/v34 v34.2.1 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/hashicorp/go-immutable-radix v1.3.1 // indirect
	github.com/hashicorp/go-memdb v1.3.5 // indirect
	github.com/hashicorp/golang-lru v1.0.2 // indirect
	github.com/spf13/pflag v1.0.10 // indirect
	go.uber.org/mock v0.6.0 // indirect
	golang.org/x/oauth2 v0.37.0 // indirect
)

replace github.com/switchyardhq/switchyard => ../
