import { expect, test } from '@playwright/test';
import type { V1Pod, V1Secret } from '@kubernetes/client-node';
import { pullSecretCauses, registryHost, secretLogins } from '../lib/checks/pulls.ts';

const secret = (name: string, auths: Record<string, object> | string, type = 'kubernetes.io/dockerconfigjson'): V1Secret => ({
  metadata: { name },
  type,
  data: { '.dockerconfigjson': Buffer.from(typeof auths === 'string' ? auths : JSON.stringify({ auths })).toString('base64') },
});
const pod = (image: string, secrets: string[]): V1Pod => ({ metadata: { name: 'p' }, spec: { imagePullSecrets: secrets.map((name) => ({ name })), containers: [{ name: 'c', image }] } });

test('the registry of an image, as a pull secret names it', () => {
  expect(registryHost('mysql:5.7')).toBe('docker.io');
  expect(registryHost('172.21.51.143:5000/myblog:v1')).toBe('172.21.51.143:5000');
  expect(registryHost('h-registry-auth:5000/t/myblog:v1')).toBe('h-registry-auth:5000');
});

test('a pull secret: its logins by registry, or what is wrong with it', () => {
  expect(secretLogins(secret('regcred', { 'https://172.21.51.143:5000': { auth: 'x' }, 'docker.io': { auth: 'y' } }))).toEqual({ hosts: ['172.21.51.143:5000', 'docker.io'] });
  expect(secretLogins(secret('opaque', {}, 'Opaque'))).toEqual({ error: 'Secret opaque is of type Opaque, not kubernetes.io/dockerconfigjson (kubectl create secret docker-registry makes one)' });
  expect(secretLogins(secret('bad', 'not json'))).toEqual({ error: "Secret bad's .dockerconfigjson is not JSON" });
});

test("the diagnosis of a pod's pull secrets: missing, of another type, for another registry; none for a pod that names none, or one that logs in", () => {
  const secrets = [secret('regcred', { 'h-registry-auth:5000': { auth: 'x' } }), secret('hub', { 'https://index.docker.io/v1/': { auth: 'y' } }), secret('opaque', {}, 'Opaque')];
  expect(pullSecretCauses(pod('h-registry-auth:5000/t/myblog:v1', ['regcred']), secrets)).toEqual([]);
  expect(pullSecretCauses(pod('mysql:5.7', ['hub']), secrets)).toEqual([]);
  expect(pullSecretCauses(pod('mysql:5.7', []), secrets)).toEqual([]);
  expect(pullSecretCauses(pod('h-registry-auth:5000/t/myblog:v1', ['typo']), secrets)).toEqual(['pod p names imagePullSecret typo, which does not exist']);
  expect(pullSecretCauses(pod('h-registry-auth:5000/t/myblog:v1', ['opaque']), secrets)).toEqual(['Secret opaque is of type Opaque, not kubernetes.io/dockerconfigjson (kubectl create secret docker-registry makes one)']);
  expect(pullSecretCauses(pod('172.21.51.143:5000/myblog:v1', ['regcred']), secrets)).toEqual(['the pull secrets of pod p have no login for 172.21.51.143:5000, the registry of 172.21.51.143:5000/myblog:v1 (they have h-registry-auth:5000)']);
});
