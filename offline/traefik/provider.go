// A provider of Traefik's that the harness never configures, built from this
// stub instead of its package's own Go files, so that its client and SDK are
// not compiled: buildTraefikImage writes in the package's name and the
// provider's. The static configuration keeps the provider's name; configured,
// the provider is skipped with an error naming it.
package stub

import (
	"errors"

	"github.com/traefik/traefik/v3/pkg/config/dynamic"
	"github.com/traefik/traefik/v3/pkg/safe"
)

// ProviderName is the name of the provider.
const ProviderName = "stub"

var errNotBuilt = errors.New("provider " + ProviderName + ": this Traefik is built without it (offline/traefik)")

// ProviderBuilder is the static configuration of a provider that builds several (Consul, Consul Catalog, Nomad).
type ProviderBuilder struct{}

// BuildProviders gives one provider, which refuses to start.
func (p *ProviderBuilder) BuildProviders() []*Provider { return []*Provider{{}} }

// Provider is the provider, not built in.
type Provider struct{}

// Init refuses: the provider is not built in.
func (p *Provider) Init() error { return errNotBuilt }

// Provide refuses: the provider is not built in.
func (p *Provider) Provide(chan<- dynamic.Message, *safe.Pool) error { return errNotBuilt }
