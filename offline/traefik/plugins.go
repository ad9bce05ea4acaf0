// Replaces, at build time, the Go files of Traefik's package pkg/plugins
// (see buildTraefikImage): the plugin system, with the Yaegi interpreter
// (and its symbol tables of the whole standard library) and the wazero
// WebAssembly runtime, which the harness never configures. Traefik always
// creates a plugin builder; with no plugin configured it is this empty one.
// With one, Traefik logs "Plugins are disabled because an error has
// occurred" and starts without them, as when a download fails.
package plugins

import (
	"context"
	"errors"
	"net/http"

	"github.com/traefik/traefik/v3/pkg/provider"
)

var errNotBuilt = errors.New("plugins: this Traefik is built without them (offline/traefik)")

// Descriptor is a remote plugin's static configuration.
type Descriptor struct {
	ModuleName string
	Version    string
}

// LocalDescriptor is a local plugin's static configuration.
type LocalDescriptor struct {
	ModuleName string
}

// Constructor creates a plugin's handler.
type Constructor func(context.Context, http.Handler) (http.Handler, error)

// RegistryDownloaderOptions configures the plugin downloader.
type RegistryDownloaderOptions struct {
	HTTPClient   *http.Client
	ArchivesPath string
}

// RegistryDownloader downloads nothing.
type RegistryDownloader struct{}

// NewRegistryDownloader refuses: plugins are not built in.
func NewRegistryDownloader(RegistryDownloaderOptions) (*RegistryDownloader, error) {
	return nil, errNotBuilt
}

// ManagerOptions configures the plugin manager.
type ManagerOptions struct {
	Output string
}

// Manager manages no plugin.
type Manager struct{}

// NewManager refuses: plugins are not built in.
func NewManager(*RegistryDownloader, ManagerOptions) (*Manager, error) { return nil, errNotBuilt }

// SetupRemotePlugins refuses: plugins are not built in.
func SetupRemotePlugins(*Manager, map[string]Descriptor) error { return errNotBuilt }

// SetupLocalPlugins refuses: plugins are not built in.
func SetupLocalPlugins(map[string]LocalDescriptor) error { return errNotBuilt }

// Builder builds no plugin.
type Builder struct{}

// NewBuilder gives the empty builder when no plugin is configured, and refuses otherwise.
func NewBuilder(_ *Manager, plugins map[string]Descriptor, localPlugins map[string]LocalDescriptor) (*Builder, error) {
	if len(plugins) > 0 || len(localPlugins) > 0 {
		return nil, errNotBuilt
	}
	return &Builder{}, nil
}

// Build refuses: plugins are not built in.
func (b Builder) Build(string, map[string]any, string) (Constructor, error) { return nil, errNotBuilt }

// BuildProvider refuses: plugins are not built in.
func (b Builder) BuildProvider(string, map[string]any) (provider.Provider, error) {
	return nil, errNotBuilt
}
