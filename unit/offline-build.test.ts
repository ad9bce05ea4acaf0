import { expect, test } from '@playwright/test';
import { imageVersion, kubeadmDefaults } from '../lib/offline/build.ts';

test("images' versions as their modules tag them; kubeadm's defaults read from its constants", () => {
  expect(imageVersion('registry.k8s.io/etcd:3.6.4-0')).toBe('v3.6.4');
  expect(imageVersion('registry.k8s.io/coredns/coredns:v1.12.1')).toBe('v1.12.1');
  // Lines as kubeadm v1.34.0's cmd/kubeadm/app/constants/constants.go has them.
  const constants = '\t// DefaultEtcdVersion indicates the default etcd version that kubeadm uses\n\tDefaultEtcdVersion = "3.6.4-0"\n\n\t// CoreDNSVersion is the version of CoreDNS to be deployed if it is used\n\tCoreDNSVersion = "v1.12.1"\n';
  expect(kubeadmDefaults(constants)).toEqual({ etcd: 'v3.6.4', coredns: 'v1.12.1' });
  expect(kubeadmDefaults('package constants\n')).toEqual({ etcd: undefined, coredns: undefined });
});
