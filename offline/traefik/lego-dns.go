// Replaces, at build time, the Go files of lego's package providers/dns (see
// buildTraefikImage): the registry that imports every DNS provider lego
// has (about 390 packages and their cloud SDKs), for ACME's DNS-01
// challenge. Traefik calls only this function, and only for a certificate
// resolver with a dnsChallenge, which the harness never configures.
package dns

import (
	"fmt"

	"github.com/go-acme/lego/v5/challenge"
)

// NewDNSChallengeProviderByName refuses every name: DNS-01 is not built in.
func NewDNSChallengeProviderByName(name string) (challenge.Provider, error) {
	return nil, fmt.Errorf("DNS challenge provider %q: this Traefik is built without lego's DNS providers (offline/traefik)", name)
}
