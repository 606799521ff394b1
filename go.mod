module github.com/switchyardhq/switchyard

go 1.26.0

require (
	github.com/cespare/xxhash/v2 v2.3.0
	github.com/open-feature/go-sdk v1.20.0
	github.com/stretchr/testify v1.12.1
	golang.org/x/oauth2 v0.37.0
)

require (
	go.uber.org/mock v0.6.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
)
