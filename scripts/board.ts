// npm run board -- [--live --kubeconfig FILE --context NAME] [--namespace NAME] [--lang zh|en] [--port N] [--grep PATTERN]
// npm run board -- --submissions DIR [--lang zh|en] [--port N]
// The lab board: a local web page listing the course's labs in its order,
// each check a row (not started, failing with its cause and a hint to the
// chapter, passing), judged by the live checks (npm test -- --live) and
// judged again when the objects they read change, or on "check now".
// Read-only as live mode is. On the harness cluster by default.
// With --submissions, the class report a grading of DIR wrote, as a board.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { parseCommand } from '../lib/core/command-line.ts';
import { info, main, warn } from '../lib/core/log.ts';
import { UsageError } from '../lib/core/options.ts';
import { spawn } from '../lib/core/exec.ts';
import { defaultKubeconfig, loadKubeconfig } from '../lib/kube/kube.ts';
import { readRecord } from '../lib/cluster/cluster.ts';
import { LiveBoard } from '../lib/board/live-board.ts';
import { boardMain, boardPage, boardStatus } from '../lib/board/page.ts';
import { classView, readClassReport } from '../lib/board/class-view.ts';
import { classPage } from '../lib/board/class-page.ts';
import { reportsDir } from '../lib/report/lab-report.ts';
import { findSubmissions } from '../lib/grading/class-grading.ts';
import { langOf, type Lang } from '../lib/course/words.ts';

const LIVE_FLAGS = ['--live', '--kubeconfig', '--context', '--namespace', '--node-address', '--ingress-address', '--probe-pod', '--probe-image', '--cluster-name'];
type Handler = (req: IncomingMessage, res: ServerResponse, url: URL, lang: Lang) => void;

/** Serves a board on 127.0.0.1 (a free port unless one is given; ?lang= picks the language) and opens it where there is a browser. */
async function serve(port: number, lang: Lang, handle: Handler): Promise<{ address: string; close: () => void }> {
  let origin = '';
  const server = createServer((req, res) => {
    // Only this page's own requests: another site's page (a rebound DNS name, a cross-site POST) gets nothing.
    const ours = [origin, origin.replace('127.0.0.1', 'localhost')];
    if (!ours.includes(`http://${req.headers.host}`) || (req.headers.origin && !ours.includes(req.headers.origin))) return void res.writeHead(403, { 'content-type': 'text/plain' }).end("not this board's page\n");
    try {
      const url = new URL(req.url ?? '/', origin);
      const asked = url.searchParams.get('lang');
      handle(req, res, url, asked === 'en' || asked === 'zh' ? asked : lang);
    } catch (err) {
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`bad request: ${(err as Error).message}\n`);
    }
  });
  await new Promise<void>((ok, fail) => server.once('error', (err: NodeJS.ErrnoException) => fail(err.code === 'EADDRINUSE' ? new UsageError(`--port ${port}: the port is in use`) : err)).listen(port, '127.0.0.1', ok));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const address = `${origin}/`;
  if (process.env.BROWSER || process.env.DISPLAY || process.env.WAYLAND_DISPLAY) spawn(process.env.BROWSER || 'xdg-open', [address], { stdio: 'ignore', detached: true }).unref();
  return { address, close: () => server.close() };
}

const stopped = () =>
  new Promise<void>((stop) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop());
  });

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.md': 'text/markdown; charset=utf-8', '.json': 'application/json', '.png': 'image/png', '.log': 'text/plain; charset=utf-8', '.txt': 'text/plain; charset=utf-8', '.css': 'text/css', '.js': 'text/javascript' };

/** The class board: class.json of the report folder, read again on each visit (a new grading shows on reload). */
async function classBoard(submissions: string, port: number, lang: Lang): Promise<number> {
  const dir = resolve(reportsDir());
  const file = join(reportsDir(), 'class.json');
  const folders = () => findSubmissions(submissions).map((s) => s.name);
  const first = classView(readClassReport(file), folders());
  const { address, close } = await serve(port, lang, (req, res, url, l) => {
    if (req.method !== 'GET') return void res.writeHead(405).end();
    if (url.pathname === '/') {
      let page: string;
      try {
        page = classPage(classView(readClassReport(file), folders()), l, file);
      } catch (err) {
        return void res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`${(err as Error).message}\n`);
      }
      return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page);
    }
    // The students' own reports, which the table links to; nothing outside the report folder's students/.
    const path = resolve(dir, `.${decodeURIComponent(url.pathname)}`);
    if (!path.startsWith(join(dir, 'students') + sep) || !existsSync(path) || !statSync(path).isFile()) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(readFileSync(path));
  });
  const graded = first.students.filter((s) => s.graded).length;
  const done = stopped();
  info(`board: ${address} (the class of ${submissions}: ${first.students.length} student(s), ${graded} graded, from ${file}; Ctrl-C stops it)`);
  if (first.notInReport.length) warn(`not in the class report (grade them with npm test -- --submissions ${submissions}): ${first.notInReport.join(', ')}`);
  if (first.notInFolder.length) warn(`in the class report but not in ${submissions}: ${first.notInFolder.join(', ')}`);
  await done;
  close();
  return 0;
}

main(async () => {
  const parsed = parseCommand('npm run board --', {
    only: LIVE_FLAGS,
    own: {
      '--lang': { arg: 'zh|en', help: 'the language of the page (default from LANG/LC_ALL; the page switches too)', check: (v) => (['zh', 'en'].includes(v) ? undefined : 'zh or en') },
      '--port': { arg: 'N', help: 'the port on 127.0.0.1 (default a free one)', check: (v) => (/^\d+$/.test(v) && Number(v) < 65536 ? undefined : 'a port number') },
      '--grep': { arg: 'PATTERN', help: 'only the live checks whose title matches (passed to the live run)' },
      '--debounce': { arg: 'MS', help: 'quiet time after a change before judging again (default 1500)', check: (v) => (/^\d+$/.test(v) ? undefined : 'milliseconds') },
      '--submissions': {
        arg: 'DIR',
        help: "the class report of DIR's grading (class.json in reports/, or HARNESS_REPORT_DIR) as a board: students by labs, the checks the class loses and why; not graded again",
        check: (v) => (existsSync(v) && statSync(v).isDirectory() ? undefined : `${v} is not a folder`),
      },
    },
  });
  if (!parsed) return 0;
  const { options: o, own } = parsed;
  const lang: Lang = (own['--lang']?.at(-1) as Lang | undefined) ?? langOf(process.env.LC_ALL || process.env.LC_MESSAGES || process.env.LANG);
  const port = Number(own['--port']?.at(-1) ?? 0);

  const submissions = own['--submissions']?.at(-1);
  if (submissions) {
    const liveOnly = process.argv.slice(2).filter((a) => [...LIVE_FLAGS, '--grep', '--debounce'].includes(a.split('=')[0]));
    if (liveOnly.length) throw new UsageError(`--submissions shows a graded class; the live board's flags do not go with it: ${liveOnly.join(', ')}`);
    return classBoard(submissions, port, lang);
  }

  // The cluster: --live's kubeconfig, else the harness cluster's.
  let file: string;
  if (o.live || o.kubeconfig) {
    file = o.kubeconfig || defaultKubeconfig();
  } else {
    const record = readRecord(o.clusterName);
    if (!record) throw new UsageError(`no harness cluster ${o.clusterName}: start it with npm run cluster:up, or give a course cluster with --live --kubeconfig FILE`);
    file = record.kubeconfigPath;
  }
  if (!existsSync(file)) throw new UsageError(`kubeconfig ${file} does not exist (give one with --kubeconfig FILE)`);
  let kc;
  try {
    kc = loadKubeconfig(file, o.context || undefined);
  } catch (err) {
    throw new UsageError(`kubeconfig ${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  const target = `${kc.getCurrentCluster()?.server ?? '(no server)'} (context ${kc.getCurrentContext()}), namespace ${o.namespace}`;
  const liveArgs = [
    ...(o.context ? ['--context', o.context] : []),
    '--namespace', o.namespace,
    ...(o.nodeAddresses.length ? ['--node-address', o.nodeAddresses.join(',')] : []),
    ...(o.ingressAddress ? ['--ingress-address', o.ingressAddress] : []),
    ...(o.probePod ? ['--probe-pod', '--probe-image', o.probeImage] : []),
    ...(own['--grep'] ? ['--grep', own['--grep'].at(-1)!] : []),
  ];

  const clients = new Set<{ res: ServerResponse; lang: Lang }>();
  let saidProblem: string | undefined;
  let saidJudged: string | undefined;
  const board: LiveBoard = new LiveBoard({
    kc,
    kubeconfig: file,
    namespace: o.namespace,
    liveArgs,
    target,
    probePod: o.probePod,
    debounceMs: Number(own['--debounce']?.at(-1) ?? 1500),
    onChange: () => {
      const s = board.status;
      // The terminal: a line per judgement, and one when the problem changes.
      if (s.problem !== saidProblem) {
        if (s.problem) warn(`problem: ${s.problem}`);
        else if (saidProblem) info('the problem is gone');
        saidProblem = s.problem;
      }
      if (!s.running && s.judgedAt && s.judgedAt !== saidJudged) info(summary());
      if (!s.running) saidJudged = s.judgedAt;
      for (const c of clients) send(c.res, c.lang);
    },
  });
  const summary = () => {
    const rows = board.labs.flatMap((l) => l.rows);
    const n = (state: string) => rows.filter((r) => r.state === state).length;
    return `judged in ${board.status.seconds?.toFixed(0)} s${board.lastReaction !== undefined ? ` (${board.lastReaction.toFixed(1)} s after the last change)` : ''}: ${n('pass')} passing, ${n('fail')} failing, ${n('not-started')} not started, ${n('n/a') + n('not-judged')} not applicable or not judged`;
  };
  const send = (res: ServerResponse, l: Lang) => res.write(`event: board\ndata: ${JSON.stringify({ main: boardMain(board.labs, l), status: boardStatus(board.status, l) })}\n\n`);

  const { address, close } = await serve(port, lang, (req, res, url, l) => {
    if (req.method === 'GET' && url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(boardPage(board.labs, board.status, l));
    } else if (req.method === 'GET' && url.pathname === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
      const client = { res, lang: l };
      clients.add(client);
      send(res, l);
      req.on('close', () => clients.delete(client));
    } else if (req.method === 'GET' && url.pathname === '/board.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: board.status, labs: board.labs }));
    } else if (req.method === 'POST' && url.pathname === '/check') {
      board.judgeNow();
      res.writeHead(202).end();
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  const done = stopped();
  info(`board: ${address} (${target}; read-only${o.probePod ? ' but for the probe pod in course-probe' : ''}; Ctrl-C stops it)`);
  await Promise.race([board.start(), done]);

  await done;
  await board.stop();
  for (const c of clients) c.res.end();
  close();
  return 0;
});
