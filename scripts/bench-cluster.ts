// npm run bench:cluster: times the offline `cluster:up`, step by step.
//   cold: empty harness cache, empty Go build and module caches, images
//         rebuilt without Docker's layer cache (a fresh machine, less apt/npm)
//   warm: everything cached, no cluster
// Results go to reports/bench-cluster.json and are printed as a table.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { info, main } from './lib/log.ts';
import { parseCommandLine } from './lib/options.ts';

interface Run {
  name: string;
  totalSeconds: number;
  steps: { step: string; seconds: number; cached: boolean }[];
}

async function timedUp(name: string, args: string[], env: Record<string, string>): Promise<Run> {
  info(`${name}: npm run cluster:up -- ${args.join(' ')}`);
  const start = Date.now();
  const child = execa('npx', ['tsx', 'scripts/cluster-up.ts', ...args], { env, all: true, reject: false });
  child.all?.on('data', (d: Buffer) => process.stdout.write(d));
  const result = await child;
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

main(async () => {
  const options = parseCommandLine('npm run bench:cluster --');
  if (!options) return;
  const down = () => execa('npx', ['tsx', 'scripts/cluster-down.ts', `--cluster-name=${options.clusterName}`], { stdio: 'inherit' });
  const fresh = mkdtempSync(join(tmpdir(), 'harness-bench-'));
  const coldEnv = { HARNESS_HOME: join(fresh, 'home'), GOCACHE: join(fresh, 'gocache'), GOMODCACHE: join(fresh, 'gomod') };
  const args = ['--offline', `--cluster-name=${options.clusterName}`, `--k8s-version=${options.kubernetesVersion}`];

  await down();
  const cold = await timedUp('cold', [...args, '--rebuild'], coldEnv);
  await down();
  const warm = await timedUp('warm', args, coldEnv);
  const results = { date: new Date().toISOString(), cores: (await import('node:os')).cpus().length, runs: [cold, warm] };
  mkdirSync('reports', { recursive: true });
  writeFileSync('reports/bench-cluster.json', JSON.stringify(results, null, 2) + '\n');

  console.log('\n| step | cold (s) | warm (s) |\n|---|---|---|');
  for (const s of cold.steps) {
    const w = warm.steps.find((x) => x.step === s.step);
    console.log(`| ${s.step} | ${s.seconds.toFixed(1)} | ${w ? (w.cached ? 'cached' : w.seconds.toFixed(1)) : '-'} |`);
  }
  console.log(`| **total** | ${cold.totalSeconds.toFixed(0)} | ${warm.totalSeconds.toFixed(0)} |`);
  info('results: reports/bench-cluster.json');
});
