import { expect, test } from '@playwright/test';
import { corefileDirectives, kubeadmCorefile, missingPlugins } from '../lib/offline/coredns.ts';

// kubeadm v1.34.0's CoreDNS ConfigMap, as `kubeadm init phase addon coredns --print-manifest` prints it (abridged).
const manifests = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: coredns
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: coredns
  namespace: kube-system
data:
  Corefile: |
    .:53 {
        errors
        health {
           lameduck 5s
        }
        ready
        kubernetes cluster.local in-addr.arpa ip6.arpa {
           pods insecure
           fallthrough in-addr.arpa ip6.arpa
           ttl 30
        }
        prometheus :9153
        forward . /etc/resolv.conf {
           max_concurrent 1000
        }
        cache 30 {
           disable success cluster.local
           disable denial cluster.local
        }
        loop
        reload
        loadbalance
    }
`;

test("kubeadm's Corefile: the plugins of its server block, not their options", () => {
  expect(corefileDirectives(kubeadmCorefile(manifests))).toEqual(['errors', 'health', 'ready', 'kubernetes', 'prometheus', 'forward', 'cache', 'loop', 'reload', 'loadbalance']);
});

test('two server blocks, comments and a one-line block: each plugin once', () => {
  const corefile = `# a comment
example.org:53 { hosts /etc/hosts { fallthrough }
  log # and a comment
}
.:53 {
  errors
  log
  rewrite name foo.example.com foo.default.svc.cluster.local
}
`;
  expect(corefileDirectives(corefile)).toEqual(['hosts', 'log', 'errors', 'rewrite']);
});

test('manifests without a Corefile: one line saying so', () => {
  expect(() => kubeadmCorefile('kind: ServiceAccount\n')).toThrow('kubeadm printed no ConfigMap with a Corefile for its CoreDNS addon');
});

test("a CoreDNS without a plugin kubeadm's Corefile uses: that plugin is named", () => {
  // `coredns -plugins` of our build, less loop
  const plugins = 'cache\ndebug\ndnstap\nerrors\nforward\nhealth\nhosts\nkubernetes\nloadbalance\nlog\nmetadata\nprometheus\nready\nreload\nrewrite\ntransfer\n';
  expect(missingPlugins(kubeadmCorefile(manifests), plugins)).toEqual(['loop']);
  expect(missingPlugins(kubeadmCorefile(manifests), plugins + 'loop\n')).toEqual([]);
});

test('a Corefile without a { } server block: one line saying so, not an empty list that checks nothing', () => {
  expect(() => corefileDirectives('.:53\nerrors\n')).toThrow('no plugin found in the Corefile: is it in a { } server block?');
});
