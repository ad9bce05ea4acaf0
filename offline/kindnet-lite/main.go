// kindnet-lite gives a kind cluster pod networking on one L2 network, as kind's
// kindnetd does, for the offline path: kindnetd's own Go module is not served
// by the module proxy, so it cannot be built here.
//
// On every node it
//   - writes the CNI config (ptp + host-local for the node's podCIDR, portmap),
//   - routes every other node's podCIDR via that node's InternalIP,
//   - masquerades traffic from pods to destinations outside the pod subnet.
//
// Nodes are followed with an informer (list + watch), never polled.
package main

import (
	"bytes"
	"encoding/json"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
)

const cniConfigPath = "/etc/cni/net.d/10-kindnet.conflist"

func main() {
	nodeName := mustEnv("NODE_NAME")
	podSubnet := mustEnv("POD_SUBNET")

	config, err := rest.InClusterConfig()
	if err != nil {
		log.Fatalf("in-cluster config: %v", err)
	}
	// kind sets this so the CNI does not wait for kube-proxy's Service rules.
	if endpoint := os.Getenv("CONTROL_PLANE_ENDPOINT"); endpoint != "" {
		config.Host = "https://" + endpoint
	}
	client := kubernetes.NewForConfigOrDie(config)

	iptables := detectIptables()
	ensureMasquerade(iptables, podSubnet)

	factory := informers.NewSharedInformerFactory(client, 0)
	nodes := factory.Core().V1().Nodes().Informer()
	sync := func(obj interface{}) {
		node, ok := obj.(*corev1.Node)
		if !ok {
			return
		}
		if node.Name == nodeName {
			writeCNIConfig(node)
		} else {
			routeTo(node)
		}
	}
	_, err = nodes.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    sync,
		UpdateFunc: func(_, obj interface{}) { sync(obj) },
	})
	if err != nil {
		log.Fatalf("node informer: %v", err)
	}
	stop := make(chan struct{})
	factory.Start(stop)
	log.Printf("kindnet-lite on %s, pod subnet %s, iptables %s", nodeName, podSubnet, iptables)
	<-stop
}

func mustEnv(name string) string {
	value := os.Getenv(name)
	if value == "" {
		log.Fatalf("%s is not set", name)
	}
	return value
}

func writeCNIConfig(node *corev1.Node) {
	if len(node.Spec.PodCIDRs) == 0 {
		return
	}
	ranges := [][]map[string]string{}
	for _, cidr := range node.Spec.PodCIDRs {
		ranges = append(ranges, []map[string]string{{"subnet": cidr}})
	}
	conf := map[string]interface{}{
		"cniVersion": "0.3.1",
		"name":       "kindnet",
		"plugins": []interface{}{
			map[string]interface{}{
				"type":   "ptp",
				"ipMasq": false,
				"mtu":    1500,
				"ipam": map[string]interface{}{
					"type":    "host-local",
					"dataDir": "/run/cni-ipam-state",
					"routes":  []map[string]string{{"dst": "0.0.0.0/0"}},
					"ranges":  ranges,
				},
			},
			map[string]interface{}{"type": "portmap", "capabilities": map[string]bool{"portMappings": true}},
		},
	}
	data, _ := json.MarshalIndent(conf, "", "  ")
	if old, err := os.ReadFile(cniConfigPath); err == nil && bytes.Equal(old, data) {
		return
	}
	tmp := filepath.Join(filepath.Dir(cniConfigPath), ".kindnet.tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		log.Fatalf("write CNI config: %v", err)
	}
	if err := os.Rename(tmp, cniConfigPath); err != nil {
		log.Fatalf("write CNI config: %v", err)
	}
	log.Printf("CNI config written for %v", node.Spec.PodCIDRs)
}

func routeTo(node *corev1.Node) {
	var nodeIP string
	for _, address := range node.Status.Addresses {
		if address.Type == corev1.NodeInternalIP && !strings.Contains(address.Address, ":") {
			nodeIP = address.Address
		}
	}
	if nodeIP == "" {
		return
	}
	for _, cidr := range node.Spec.PodCIDRs {
		if strings.Contains(cidr, ":") {
			continue
		}
		if out, err := exec.Command("ip", "route", "replace", cidr, "via", nodeIP).CombinedOutput(); err != nil {
			log.Printf("route %s via %s: %v: %s", cidr, nodeIP, err, out)
		}
	}
}

// detectIptables picks the iptables backend the node already uses (the one
// with more rules), as kind's node entrypoint and iptables-wrappers do.
func detectIptables() string {
	count := func(save string) int {
		out, _ := exec.Command(save).Output()
		return bytes.Count(out, []byte("\n-"))
	}
	if count("iptables-legacy-save") > count("iptables-nft-save") {
		return "iptables-legacy"
	}
	return "iptables-nft"
}

func ensureMasquerade(iptables, podSubnet string) {
	rule := []string{"POSTROUTING", "-s", podSubnet, "!", "-d", podSubnet,
		"-m", "comment", "--comment", "kindnet-lite masquerade", "-j", "MASQUERADE"}
	cmd := func(op string) *exec.Cmd {
		return exec.Command(iptables, append([]string{"-t", "nat", op}, rule...)...)
	}
	if cmd("-C").Run() == nil {
		return
	}
	if out, err := cmd("-A").CombinedOutput(); err != nil {
		log.Fatalf("masquerade rule: %v: %s", err, out)
	}
}
