// CoreDNS with the plugins the cluster's Corefile uses (kubeadm's default:
// errors, health, ready, kubernetes, prometheus, forward, cache, loop, reload,
// loadbalance) and three often added to it while debugging DNS (log, hosts,
// rewrite). Upstream's main imports every plugin in plugin.cfg: the cloud DNS
// providers, etcd and the tracers among them took about 40% of its build
// time here, and nothing in the course runs them. A Corefile naming a plugin
// left out fails to load, and CoreDNS's log names the directive.
package main

import (
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/forward"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/hosts"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/loop"
	_ "github.com/coredns/coredns/plugin/metrics"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"
	_ "github.com/coredns/coredns/plugin/rewrite"
)

func main() {
	coremain.Run()
}
