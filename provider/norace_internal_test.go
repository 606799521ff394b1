//go:build !race

package provider

const raceOn = false
