module github.com/switchyardhq/switchyard/bench

go 1.26.0
