// Replaces, at build time, the Go files of Traefik's package
// pkg/provider/docker (see buildTraefikImage): the Docker and Swarm
// providers and Docker's client, which the harness never configures. The
// static configuration keeps the providers' names and the two fields it
// corrects; configured, each is skipped with an error.
package docker

import (
	"errors"

	ptypes "github.com/traefik/paerser/types"
	"github.com/traefik/traefik/v3/pkg/config/dynamic"
	"github.com/traefik/traefik/v3/pkg/safe"
)

const (
	// DockerName is the name of the Docker provider.
	DockerName = "docker"
	// SwarmName is the name of the Swarm provider.
	SwarmName = "swarm"
)

var errNotBuilt = errors.New("providers docker and swarm: this Traefik is built without them (offline/traefik)")

// Provider is the Docker provider, not built in.
type Provider struct {
	HTTPClientTimeout ptypes.Duration
}

// Init refuses: the provider is not built in.
func (p *Provider) Init() error { return errNotBuilt }

// Provide refuses: the provider is not built in.
func (p *Provider) Provide(chan<- dynamic.Message, *safe.Pool) error { return errNotBuilt }

// SwarmProvider is the Swarm provider, not built in.
type SwarmProvider struct {
	RefreshSeconds    ptypes.Duration
	HTTPClientTimeout ptypes.Duration
}

// Init refuses: the provider is not built in.
func (p *SwarmProvider) Init() error { return errNotBuilt }

// Provide refuses: the provider is not built in.
func (p *SwarmProvider) Provide(chan<- dynamic.Message, *safe.Pool) error { return errNotBuilt }
