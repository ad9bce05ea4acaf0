// A file cache for offline build artifacts, keyed by component and version.
// An artifact is built into a temporary folder and renamed into place only
// after it is complete, so a failed or interrupted build never looks finished.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { paths } from '../core/paths.ts';

export function artifactDir(component: string, version: string): string {
  return join(paths.cache, component, version);
}

export function isCached(component: string, version: string): boolean {
  return existsSync(join(artifactDir(component, version), '.complete'));
}

/** Returns the artifact folder, building it with `build(tmpDir)` unless cached. */
export async function cached(
  component: string,
  version: string,
  rebuild: boolean,
  build: (tmpDir: string) => Promise<void>,
): Promise<{ dir: string; built: boolean }> {
  const dir = artifactDir(component, version);
  if (!rebuild && isCached(component, version)) return { dir, built: false };
  // Leftovers of an interrupted build (Ctrl-C skips `finally`) are never used.
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  for (const name of readdirSync(parent)) {
    if (name.startsWith(`${basename(dir)}.partial-`)) rmSync(join(parent, name), { recursive: true, force: true });
  }
  const tmp = `${dir}.partial-${process.pid}`;
  mkdirSync(tmp, { recursive: true });
  try {
    await build(tmp);
    writeFileSync(join(tmp, '.complete'), new Date().toISOString() + '\n');
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { dir, built: true };
}
