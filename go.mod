module github.com/switchyardhq/switchyard

go 1.25.0

require github.com/cespare/xxhash/v2 v2.3.0

require github.com/stretchr/testify v1.12.1 // indirect
