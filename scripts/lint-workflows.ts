// npm run lint:workflows: actionlint on .github/workflows, built from its Go
// module (no release binary can be downloaded here) and cached by version.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { attempt, run } from '../lib/core/exec.ts';
import { info, main, step } from '../lib/core/log.ts';
import { paths } from '../lib/core/paths.ts';

const ACTIONLINT = 'github.com/rhysd/actionlint/cmd/actionlint@v1.7.12';

main(async () => {
  const bin = join(paths.cache, 'actionlint', ACTIONLINT.split('@')[1]);
  const actionlint = join(bin, 'actionlint');
  if (!existsSync(actionlint)) await step(`actionlint (go install ${ACTIONLINT})`, () => run('go', ['install', ACTIONLINT], { env: { ...process.env, GOBIN: bin }, log: join(paths.logs, 'actionlint.log') }));
  const result = await attempt(actionlint, ['-no-color']);
  if (result.exitCode !== 0) {
    console.error(String(result.all));
    return 1;
  }
  info('actionlint: .github/workflows pass');
  return 0;
});
