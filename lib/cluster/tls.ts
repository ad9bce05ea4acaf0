// A self-signed certificate made at run time (never committed), as the
// course makes one with openssl.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../core/exec.ts';

export interface KeyPair {
  cert: string;
  key: string;
}

/** A certificate for `names` (the first is its CN when it fits; a wildcard *.x also covers x). */
export async function selfSignedCertificate(names: string | string[], organization = 'ingress-nginx'): Promise<KeyPair> {
  const all = typeof names === 'string' ? [names] : names;
  // A CN holds at most 64 characters; the SAN names the hosts anyway.
  const commonName = all[0].length <= 64 ? all[0] : `cert-${createHash('sha256').update(all[0]).digest('hex').slice(0, 12)}`;
  const dir = mkdtempSync(join(tmpdir(), 'harness-tls-'));
  try {
    const san = [...new Set(all.flatMap((n) => (n.startsWith('*.') ? [n, n.slice(2)] : [n])))].map((n) => `DNS:${n}`).join(',');
    await run('openssl', [
      'req', '-x509', '-nodes', '-days', '30', '-newkey', 'rsa:2048',
      '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt'),
      '-subj', `/CN=${commonName}/O=${organization}`, '-addext', `subjectAltName=${san}`,
    ]);
    return { cert: readFileSync(join(dir, 'tls.crt'), 'utf8'), key: readFileSync(join(dir, 'tls.key'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A certificate authority made at run time, and a server certificate it
 * signs for `names`: for a registry that asks for a login, which needs TLS,
 * and whose CA its clients are given (containerd's hosts.toml `ca`).
 */
export async function signedCertificate(names: string[], organization = 'course-harness'): Promise<{ ca: KeyPair; server: KeyPair }> {
  const dir = mkdtempSync(join(tmpdir(), 'harness-ca-'));
  const file = (name: string) => join(dir, name);
  try {
    await run('openssl', ['req', '-x509', '-nodes', '-days', '30', '-newkey', 'rsa:2048', '-keyout', file('ca.key'), '-out', file('ca.crt'), '-subj', `/CN=${organization} CA/O=${organization}`]);
    await run('openssl', ['req', '-nodes', '-newkey', 'rsa:2048', '-keyout', file('tls.key'), '-out', file('tls.csr'), '-subj', `/CN=${names[0]}/O=${organization}`]);
    await writeFile(file('san.ext'), `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\nextendedKeyUsage=serverAuth\n`);
    await run('openssl', ['x509', '-req', '-days', '30', '-in', file('tls.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('tls.crt'), '-extfile', file('san.ext')]);
    const read = (name: string) => readFileSync(file(name), 'utf8');
    return { ca: { cert: read('ca.crt'), key: read('ca.key') }, server: { cert: read('tls.crt'), key: read('tls.key') } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
