// Runs `go build` for a module at a version, through a wrapper module.
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attempt, lastLine, run } from '../core/exec.ts';
import { HarnessError } from '../core/log.ts';
import { wrapperGoMod } from './go-module.ts';

export interface GoBuild {
  module: string;
  version: string;
  /** import paths of the main packages to build, or ./folder for one written by localModules */
  packages: string[];
  ldflags?: string;
  /** right-hand side for a module the target replaces with a local path (see wrapperGoMod) */
  localReplace?: (modulePath: string) => string;
  /** folders written into the wrapper module: folder -> file name -> content */
  localModules?: Record<string, Record<string, string>>;
  /** packages of dependencies built from a stub instead of their own Go files, in a copy (in the wrapper) of the version the build selects: module -> package folder -> the stub's source */
  stubs?: Record<string, Record<string, string>>;
  tags?: string[];
  /** name of the binary, when one package is built (default: Go's choice) */
  binaryName?: string;
  /** build the package's test binary (`go test -c`, without vet) instead of a command */
  test?: boolean;
}

export async function goBuild(b: GoBuild, outDir: string, log: string): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'harness-go-'));
  const env = { GOFLAGS: '-mod=mod', CGO_ENABLED: '0', GOWORK: 'off' };
  try {
    const info = await goModDownload(b.module, b.version, work, log);
    writeFileSync(
      join(work, 'go.mod'),
      wrapperGoMod({ module: b.module, version: b.version, goMod: readFileSync(info.GoMod, 'utf8') }, b.localReplace),
    );
    for (const [folder, files] of Object.entries(b.localModules ?? {})) {
      mkdirSync(join(work, folder), { recursive: true });
      for (const [name, content] of Object.entries(files)) writeFileSync(join(work, folder, name), content);
    }
    for (const [module, packages] of Object.entries(b.stubs ?? {})) await stubPackages(module, packages, work, env, log);
    const output = b.binaryName ? join(outDir, b.binaryName) : outDir + '/';
    // -v names each package as it is compiled: the heartbeat's last log line shows how far the build is.
    const args = [...(b.test ? ['test', '-c', '-vet=off'] : ['build', '-v']), '-trimpath', '-o', output];
    if (b.ldflags) args.push('-ldflags', b.ldflags);
    if (b.tags?.length) args.push('-tags', b.tags.join(','));
    await run('go', [...args, ...b.packages], { cwd: work, env, log });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * A dependency built from a copy of it in the wrapper module, where each
 * package folder named has its Go files replaced by one stub (`go build
 * -overlay` may not replace files of the module cache). The copy is of the
 * version the wrapper's build list selects.
 */
async function stubPackages(module: string, packages: Record<string, string>, work: string, env: Record<string, string>, log: string): Promise<void> {
  const { Dir } = JSON.parse(await run('go', ['mod', 'download', '-json', module], { cwd: work, env })) as { Dir: string };
  const folder = `stubbed-${module.replace(/[^a-zA-Z0-9]+/g, '-')}`;
  // Writable, unlike the module cache's files.
  await run('cp', ['-R', '--no-preserve=mode', Dir, join(work, folder)]);
  for (const [pkg, stub] of Object.entries(packages)) {
    const dir = join(work, folder, pkg);
    const goFiles = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.go')) : [];
    if (!goFiles.length) throw new HarnessError(`${module} (${Dir}) has no package ${pkg} to stub: the stub no longer fits this version`, log);
    for (const f of goFiles) rmSync(join(dir, f));
    writeFileSync(join(dir, 'stub.go'), stub);
  }
  appendFileSync(join(work, 'go.mod'), `\nreplace ${module} => ./${folder}\n`);
}

/** Builds a Go program whose source is in this repository (its own go.mod). */
export async function goBuildLocal(sourceDir: string, outFile: string, log: string): Promise<void> {
  await run('go', ['build', '-v', '-trimpath', '-ldflags', '-s -w', '-o', outFile, '.'], {
    cwd: sourceDir,
    env: { CGO_ENABLED: '0', GOWORK: 'off', GOFLAGS: '-mod=mod' },
    log,
  });
}

/** The source folder of a module version, as the Go module proxy serves it (read-only, in the module cache). */
export async function goModuleSource(module: string, version: string, log?: string): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), 'harness-probe-'));
  try {
    return (await goModDownload(module, version, work, log)).Dir;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function goModDownload(module: string, version: string, cwd: string, log?: string): Promise<{ GoMod: string; Dir: string }> {
  writeFileSync(join(cwd, 'go.mod'), 'module harness.local/probe\n\ngo 1.22\n');
  const r = await attempt('go', ['mod', 'download', '-json', `${module}@${version}`], { cwd, env: { GOFLAGS: '-mod=mod' } });
  let info: { GoMod?: string; Dir?: string; Error?: string };
  try {
    info = JSON.parse(String(r.stdout)) as typeof info;
  } catch {
    info = { Error: lastLine(String(r.stderr)) || `go mod download exited ${r.exitCode}` };
  }
  if (info.Error || !info.GoMod || !existsSync(info.GoMod)) {
    throw new HarnessError(`${module}@${version} cannot be had from the Go module proxy: ${info.Error ?? 'no go.mod downloaded'}`, log);
  }
  return { GoMod: info.GoMod, Dir: info.Dir ?? '' };
}
