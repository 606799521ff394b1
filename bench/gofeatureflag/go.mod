module github.com/switchyardhq/switchyard/bench/gofeatureflag

go 1.26.0

require (
	github.com/switchyardhq/switchyard/bench v0.0.0
	github.com/thomaspoignant/go-feature-flag v1.40.0
)

require (
	github.com/BurntSushi/toml v1.4.0 // indirect
	github.com/antlr4-go/antlr/v4 v4.13.0 // indirect
	github.com/blang/semver v3.5.1+incompatible // indirect
	github.com/google/go-cmp v0.6.0 // indirect
	github.com/nikunjy/rules v1.5.0 // indirect
	golang.org/x/exp v0.0.0-20240112132812-db7319d0e0e3 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

replace github.com/switchyardhq/switchyard/bench => ..
