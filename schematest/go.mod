module github.com/switchyardhq/switchyard/schematest

go 1.26.0

require (
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.3
	github.com/switchyardhq/switchyard v0.0.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	golang.org/x/text v0.14.0 // indirect
)

replace github.com/switchyardhq/switchyard => ../
