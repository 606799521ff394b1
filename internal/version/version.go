// Package version holds the SDK version sent in User-Agent and
// X-SDK-Version headers.
package version

// Version is the SDK's version. Release builds may override it with
// -ldflags "-X github.com/switchyardhq/switchyard/internal/version.Version=v1.2.3".
var Version = "0.1.0-dev"

// UserAgent returns the User-Agent header value, switchyard-go/<version>.
func UserAgent() string { return "switchyard-go/" + Version }
