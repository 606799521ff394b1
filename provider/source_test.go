package provider_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchyardhq/switchyard/provider"
)

// TestNewRefusesUnbuiltSources: a source that was not built by its
// constructor (a zero value or a nil pointer) fails at New with an error
// that names the constructor, instead of panicking or failing later on the
// provider's goroutine.
func TestNewRefusesUnbuiltSources(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  provider.Source
		want string
	}{
		{"nil", nil, "Source is nil: use NewFileSource"},
		{"zero RemoteSource", &provider.RemoteSource{}, "use NewRemoteSource"},
		{"nil RemoteSource", (*provider.RemoteSource)(nil), "nil *provider.RemoteSource: check the error from NewRemoteSource"},
		{"zero FileSource", &provider.FileSource{}, "use NewFileSource"},
		{"nil FileSource", (*provider.FileSource)(nil), "nil *provider.FileSource: check the error from NewFileSource"},
		{"zero StaticSource", &provider.StaticSource{}, "use NewStaticSource"},
		{"nil StaticSource", (*provider.StaticSource)(nil), "nil *provider.StaticSource: check the error from NewStaticSource"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := provider.New(provider.Config{Source: tc.src})
			require.Error(t, err, "New(Config{Source: %#v})", tc.src)
			assert.Nil(t, p)
			assert.ErrorContains(t, err, "Config.Source")
			assert.ErrorContains(t, err, tc.want, "the error names the constructor")
		})
	}
}
