// Docker images as cached build artifacts: each image carries a label with the
// hash of its inputs, and is rebuilt only when that hash changes.
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { attempt, run } from '../core/exec.ts';

export const INPUT_LABEL = 'course-harness.input';

export function hashInputs(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 16);
}

/** Hash of every file under dir (names and contents). */
export function hashDir(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else h.update(p.slice(dir.length)).update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex').slice(0, 16);
}

async function imageInput(tag: string): Promise<string | undefined> {
  const r = await attempt('docker', ['image', 'inspect', '--format', `{{index .Config.Labels "${INPUT_LABEL}"}}`, tag]);
  return r.failed ? undefined : String(r.stdout).trim();
}

export async function imageIsCurrent(tag: string, input: string): Promise<boolean> {
  return (await imageInput(tag)) === input;
}

export interface DockerBuild {
  tag: string;
  extraTags?: string[];
  /** folder with the Dockerfile and the small files beside it */
  recipe: string;
  /** files copied into the build context: name in context -> source path */
  files?: Record<string, string>;
  buildArgs?: Record<string, string>;
  input: string;
  log: string;
  /** ignore Docker's layer cache too (for --rebuild) */
  noCache?: boolean;
}

/** docker build in a fresh context made of the recipe folder plus `files`. */
export async function dockerBuild(b: DockerBuild): Promise<void> {
  const ctx = mkdtempSync(join(tmpdir(), 'harness-ctx-'));
  try {
    cpSync(b.recipe, ctx, { recursive: true });
    for (const [name, source] of Object.entries(b.files ?? {})) {
      mkdirSync(dirname(join(ctx, name)), { recursive: true });
      cpSync(source, join(ctx, name), { recursive: true, dereference: true });
    }
    const args = ['build', '--network', 'host', '-t', b.tag, '--label', `${INPUT_LABEL}=${b.input}`];
    for (const t of b.extraTags ?? []) args.push('-t', t);
    if (b.noCache) args.push('--no-cache');
    for (const [k, v] of Object.entries(b.buildArgs ?? {})) args.push('--build-arg', `${k}=${v}`);
    await run('docker', [...args, ctx], { log: b.log, env: { DOCKER_BUILDKIT: '0' } });
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}
