// npm run bench:cluster [-- --warm] [--runs N]: times the offline `cluster:up`, step by step.
//   cold: empty harness cache, empty Go build and module caches, images
//         rebuilt without Docker's layer cache (a fresh machine, less apt/npm,
//         Docker's engine and the kind binary: both are ready before the timing)
//   warm: everything cached, no cluster
//   bare: `kind create cluster --wait` with the warm run's node image and
//         config, side by side with it: what the harness adds to kind's own
//         creation (readiness of every system pod, the ingress controller)
// --warm: the warm and bare runs only, with the harness's own caches.
// --runs N: N warm/bare pairs, one right after the other (kind's own creation
//   varies by a third from run to run); the ratio is the median of the pairs'
//   (the lower of the two middle ones for an even N).
// Results go to reports/bench-cluster.json and are printed as a table.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDockerEngine } from '../lib/cluster/docker-engine.ts';
import { info, main, step } from '../lib/core/log.ts';
import { kindBinary } from '../lib/cluster/cluster.ts';
import { parseCommand } from '../lib/core/command-line.ts';
import { percentile } from '../lib/checks/load-stats.ts';
import { paths } from '../lib/core/paths.ts';
import { spawn } from '../lib/core/exec.ts';

interface Run {
  name: string;
  totalSeconds: number;
  steps: { step: string; seconds: number; cached: boolean }[];
}

async function timedUp(name: string, args: string[], env: Record<string, string>): Promise<Run> {
  info(`${name}: npm run cluster:up -- ${args.join(' ')}`);
  const start = Date.now();
  const up = spawn('npx', ['tsx', 'scripts/cluster-up.ts', ...args], { env, all: true });
  up.all?.on('data', (d: Buffer) => process.stdout.write(d));
  const result = await up;
  if (result.failed) throw new Error(`${name} run failed (exit ${result.exitCode})`);
  const steps: Run['steps'] = [];
  for (const line of String(result.all).split('\n')) {
    const done = /^\[\s*[\d.]+s\]\s{3}(.+): done in ([\d.]+)s$/.exec(line);
    const cached = /^\[\s*[\d.]+s\]\s{3}(.+): cached$/.exec(line);
    if (done) steps.push({ step: done[1], seconds: Number(done[2]), cached: false });
    else if (cached) steps.push({ step: cached[1], seconds: 0, cached: true });
  }
  return { name, totalSeconds: (Date.now() - start) / 1000, steps };
}

/** `kind create cluster --wait` with the config (and so the node image) the warm cluster:up used, kept before its cluster went. */
async function timedBare(kind: string, clusterName: string, config: string, nodeImage: string, kubeconfig: string): Promise<Run> {
  info(`bare: kind create cluster --config ${config} --wait 5m (node image ${nodeImage})`);
  const start = Date.now();
  await shown(kind, ['create', 'cluster', '--config', config, '--kubeconfig', kubeconfig, '--wait', '5m', '--retain=false']);
  const totalSeconds = (Date.now() - start) / 1000;
  await shown(kind, ['delete', 'cluster', '--name', clusterName, '--kubeconfig', kubeconfig]);
  return { name: 'bare', totalSeconds, steps: [] };
}

const COMMAND = 'npm run bench:cluster --';

main(async () => {
  const parsed = parseCommand(COMMAND, {
    own: {
      '--warm': { help: 'the warm and bare runs only' },
      '--runs': { arg: 'N', help: 'N warm/bare pairs; the ratio is their median (default 1)', check: (raw) => (/^([1-9]|1\d|20)$/.test(raw) ? undefined : `"${raw}" is not a number of warm/bare pairs from 1 to 20`) },
    },
  });
  if (!parsed) return;
  const { options, own } = parsed;
  const warmOnly = !!own['--warm'];
  const pairs = Number(own['--runs']?.at(-1) ?? 1);
  const down = (env: Record<string, string>) => shown('npx', ['tsx', 'scripts/cluster-down.ts', `--cluster-name=${options.clusterName}`], { env });
  // Docker's engine is started from the harness's own home, not the cold run's
  // (removed at the end): its start is the machine's, not the set-up's.
  await step('Docker engine', ensureDockerEngine);
  const fresh = mkdtempSync(join(tmpdir(), 'harness-bench-'));
  try {
    const env: Record<string, string> = warmOnly ? {} : { HARNESS_HOME: join(fresh, 'home'), GOCACHE: join(fresh, 'gocache'), GOMODCACHE: join(fresh, 'gomod') };
    const home = env.HARNESS_HOME ?? paths.home;
    const args = ['--offline', `--cluster-name=${options.clusterName}`, `--k8s-version=${options.kubernetesVersion}`];

    await down(env);
    const cold = warmOnly ? undefined : await timedUp('cold', [...args, '--rebuild'], env);
    if (cold) await down(env);
    const measured: { warm: Run; bare: Run; ratio: number }[] = [];
    for (let k = 1; k <= pairs; k++) {
      if (pairs > 1) info(`pair ${k} of ${pairs}`);
      const warm = await timedUp('warm', args, env);
      const dir = join(home, 'clusters', options.clusterName);
      const config = join(fresh, 'kind-config.json');
      copyFileSync(join(dir, 'kind-config.json'), config);
      const { nodeImage } = JSON.parse(readFileSync(join(dir, 'identity.json'), 'utf8')) as { nodeImage: string };
      await down(env);
      const bare = await timedBare(await kindBinary(options), options.clusterName, config, nodeImage, join(fresh, 'bare-kubeconfig'));
      measured.push({ warm, bare, ratio: warm.totalSeconds / bare.totalSeconds });
    }
    const medianRatio = percentile(measured.map((m) => m.ratio).sort((a, b) => a - b), 50);
    const warm = measured.find((m) => m.ratio === medianRatio)!.warm; // the median pair's steps
    const results = {
      date: new Date().toISOString(),
      cores: cpus().length,
      runs: [...(cold ? [cold] : []), ...measured.flatMap((m) => [m.warm, m.bare])],
      pairs: measured.map((m) => ({ warmSeconds: +m.warm.totalSeconds.toFixed(1), bareSeconds: +m.bare.totalSeconds.toFixed(1), ratio: +m.ratio.toFixed(2) })),
      warmOverBare: +medianRatio.toFixed(2),
    };
    mkdirSync('reports', { recursive: true });
    writeFileSync('reports/bench-cluster.json', JSON.stringify(results, null, 2) + '\n');

    const base = cold ?? warm;
    console.log(`\n| step |${cold ? ' cold (s) |' : ''} warm (s) |\n|---|${cold ? '---|' : ''}---|`);
    const cell = (r: Run, name: string) => {
      const s = r.steps.find((x) => x.step === name);
      return s ? (s.cached ? 'cached' : s.seconds.toFixed(1)) : '-';
    };
    for (const s of base.steps) console.log(`| ${s.step} |${cold ? ` ${cell(cold, s.step)} |` : ''} ${cell(warm, s.step)} |`);
    console.log(`| **total** |${cold ? ` ${cold.totalSeconds.toFixed(0)} |` : ''} ${warm.totalSeconds.toFixed(0)} |`);
    for (const p of results.pairs) console.log(`warm cluster:up ${p.warmSeconds} s; bare kind create --wait ${p.bareSeconds} s; ratio ${p.ratio}`);
    if (pairs > 1) console.log(`median ratio of ${pairs} pairs: ${results.warmOverBare} (the table shows the median pair's warm run)`);
    info('results: reports/bench-cluster.json (no cluster is left running: npm run cluster:up makes one)');
  } finally {
    // The cold run's home and Go caches (about 12 GB) go with it, and the bare run's files.
    rmSync(fresh, { recursive: true, force: true });
  }
});

/** A command whose output the bench shows as it comes; a failure ends the bench. */
async function shown(file: string, args: string[], { env }: { env?: Record<string, string> } = {}): Promise<void> {
  const r = await spawn(file, args, { stdio: 'inherit', env });
  if (r.failed) throw new Error(`${file} ${args.slice(0, 2).join(' ')} failed (exit ${r.exitCode})`);
}
