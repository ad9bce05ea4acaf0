// A self-signed wildcard certificate made at run time (never committed), as
// the course makes one with openssl for *.luffy.com.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './exec.ts';

export interface KeyPair {
  cert: string;
  key: string;
}

export async function selfSignedCertificate(commonName: string, organization = 'ingress-nginx'): Promise<KeyPair> {
  const dir = mkdtempSync(join(tmpdir(), 'harness-tls-'));
  try {
    const san = commonName.startsWith('*.') ? `DNS:${commonName},DNS:${commonName.slice(2)}` : `DNS:${commonName}`;
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
