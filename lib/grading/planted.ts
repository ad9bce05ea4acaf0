// A student's folder made of the reference labs with mistakes planted the
// way students make them, for the grading's negative control and demo. The
// TLS certificate is made now (never committed), for the wrong host.
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFESTS } from '../course/labs.ts';
import { selfSignedCertificate } from '../cluster/tls.ts';

function edit(dir: string, file: string, from: string, to: string): void {
  const path = join(dir, file);
  const text = readFileSync(path, 'utf8');
  if (!text.includes(from)) throw new Error(`planting: ${file} has no "${from}"`);
  writeFileSync(path, text.replace(from, to));
}

/** A copy of the reference labs as student `name` under `root`, with `edits` (file, from, to) planted. */
export function referenceWithEdits(root: string, name: string, edits: [string, string, string][] = []): void {
  const dir = join(root, name);
  for (const lab of readdirSync(MANIFESTS).filter((d) => /^\d\d-/.test(d))) cpSync(join(MANIFESTS, lab), join(dir, lab), { recursive: true });
  for (const [file, from, to] of edits) edit(dir, file, from, to);
}

/** Writes the planted folder into `dir` (empty or new); returns the TLS key, which no report may contain. */
export async function plantMistakes(dir: string): Promise<{ key: string }> {
  rmSync(dir, { recursive: true, force: true });
  for (const lab of readdirSync(MANIFESTS).filter((n) => /^\d\d-/.test(n))) cpSync(join(MANIFESTS, lab), join(dir, lab), { recursive: true });
  rmSync(join(dir, '01-namespace'), { recursive: true }); // a missing lab
  edit(dir, '30-services/svc-myblog.yaml', 'app: myblog', 'app: myblg'); // a selector typo
  edit(dir, '30-services/svc-myblog-np.yaml', 'targetPort: 8002', 'targetPort: 8000'); // a port nobody listens on
  edit(dir, '50-bookstore/ingress-reviews-rewrite.yaml', '- path: /api/reviews/(.*)', '- path: /api/reviews'); // a rewrite without its capture group
  edit(dir, '50-bookstore/details.yaml', '  replicas: 1\n', '  replicas: 1\n   strategy: {}\n'); // a YAML error
  writeFileSync(join(dir, 'notes.yaml'), 'Remember to run kubectl -n luffy get pods\n'); // not Kubernetes
  const { cert, key } = await selfSignedCertificate('blog.example.com'); // a certificate for another host
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls-myblog', namespace: 'luffy' }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': cert, 'tls.key': key } };
  writeFileSync(join(dir, '40-ingress-myblog', 'tls-secret.yaml'), JSON.stringify(secret, null, 2)); // JSON is YAML
  return { key };
}
