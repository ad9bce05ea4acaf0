// npm run lint:workflows: actionlint on .github/workflows, built from its Go
// module (no release binary can be downloaded here) and cached by version.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { run } from './lib/exec.ts';
import { info, main, step } from './lib/log.ts';
import { paths } from './lib/paths.ts';

const ACTIONLINT = 'github.com/rhysd/actionlint/cmd/actionlint@v1.7.12';

main(async () => {
  const bin = join(paths.cache, 'actionlint', ACTIONLINT.split('@')[1]);
  const actionlint = join(bin, 'actionlint');
  if (!existsSync(actionlint)) await step(`actionlint (go install ${ACTIONLINT})`, () => run('go', ['install', ACTIONLINT], { env: { ...process.env, GOBIN: bin }, log: join(paths.logs, 'actionlint.log') }));
  const result = await execa(actionlint, ['-no-color'], { reject: false, all: true });
  if (result.exitCode !== 0) {
    console.error(String(result.all));
    return 1;
  }
  info('actionlint: .github/workflows pass');
  return 0;
});
