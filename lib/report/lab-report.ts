// The lab report, for instructors: one row per check, grouped by the course
// topic its suite covers, with the skip reason or the failure's likely cause
// (the checks word their errors as causes, e.g. "Service web selects app=wbe:
// no pod matches"), and the measured times; checks that do not apply to the
// run's configuration are listed as such. A Playwright reporter writing
// reports/labs.md, labs.html and labs.json (the rows, so that `npm test` can
// add what it checks after Playwright: the reports' hygiene); the unit
// project is left out. A live or grading run's report is written in Chinese
// too (labs.zh.md, labs.zh.html): its rows are the course's checks, worded
// as the lab board words them (lib/course/words.ts).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { FullResult, Reporter, TestCase, TestResult } from '@playwright/test/reporter';
import { liveNotApplicable, notApplicable } from '../config/applicability.ts';
import { parseArgs } from '../core/command-line.ts';
import { suitesLeftOutOfQuick } from '../config/runs-alone.ts';
import { escapeHtml } from '../core/html.ts';
import { causeZh, checkZh, colon, LABS, type Lang } from '../course/words.ts';

const TOPICS: Record<string, string> = {
  'cluster.setup': 'Cluster set-up',
  smoke: 'Cluster smoke checks',
  architecture: '核心组件 与 工作流程 (the components, their health, a pod from creation to running)',
  workloads: '工作负载 (workload kinds: ReplicaSet, DaemonSet, Job, CronJob, StatefulSet)',
  'image-pull': '镜像拉取策略 (image pull policy)',
  eviction: 'Pod驱逐策略 (eviction: tolerations, node loss, kubelet thresholds)',
  'kube-proxy': 'kube-proxy mode',
  'kube-proxy-rules': 'kube-proxy 的规则与模式切换 (iptables rules, ping a ClusterIP, switching modes)',
  'course-stack': 'The course stack (manifests/01-60): Deployments, Services, the routes on Ingress and on Gateway API, TLS, bookstore',
  'pod-labs': 'Pod labs (manifests/pods)',
  probes: 'Health checks (probes)',
  resources: 'Requests and limits',
  config: 'ConfigMap and Secret',
  deployments: 'Deployments: self-healing, scaling, rolling update, rollback, Recreate',
  'zero-downtime': 'Zero-downtime rolling update under load',
  'service-discovery': 'Service discovery (CoreDNS)',
  clusterip: 'ClusterIP endpoints',
  'ingress-tls': 'Ingress redirects and body size',
  audit: 'Manifest audit (server-side dry-run)',
  'negative-controls': 'Negative controls: broken manifests the checks must reject',
  grading: 'Grading a submission (negative control: planted mistakes)',
  'class-grading': 'Grading a class (npm test -- --submissions)',
  'class-isolation': 'A class graded as if each student were alone',
  'cluster-facts': 'The read-only verifier: cluster:facts through its ServiceAccount',
  'live-mode': 'Live mode (--live) through the read-only verifier, and the audit log of what it asked',
  'live-mode-upstream': 'Live mode (--live) against backends that answer as the course\'s own images do',
  strict: 'Strict mode: nothing skipped',
  reports: 'Reports',
  browser: 'Browser',
};

export interface LabRow {
  topic: string;
  check: string;
  /** known: failed for a cause of the machine, with the evidence (conformance's known environment failures) */
  result: 'pass' | 'fail' | 'skipped' | 'n/a' | 'known';
  detail: string;
  /** a route case's verdict per edge ("Ingress" -> "as expected"), shown side by side */
  edges?: Record<string, string>;
}

/** A finished test as a row: the skip reason, the failure's first lines, or what it measured. */
export function labRow(file: string, title: string, status: TestResult['status'], annotations: { type: string; description?: string }[], error?: string): LabRow {
  const name = basename(file).replace(/\.spec\.ts$|\.ts$/, '');
  // A grading run's rows are titled "lab NN-name: check" or "files: file ...", a live run's "lab NN-name: check" or "cluster: fact".
  const live = name.endsWith('.live');
  const graded = name.endsWith('.grade') || live ? /^([^:]+): (.*)$/s.exec(title) : null;
  const topic = graded ? `${live ? 'Live cluster' : 'Submission'}: ${graded[1]}` : name === 'deploy.setup' ? 'Submission: deploy' : (TOPICS[name] ?? name);
  if (graded) title = graded[2];
  const notes = (type: string) => [...new Set(annotations.filter((a) => a.type === type).map((a) => a.description ?? ''))];
  const edgeNotes = notes('edge').map((d) => /^(\w+): (.*)$/s.exec(d)).filter((m): m is RegExpExecArray => !!m);
  const edges = edgeNotes.length ? Object.fromEntries(edgeNotes.map((m) => [m[1], m[2]])) : undefined;
  if (status === 'skipped') return { topic, check: title, result: 'skipped', detail: notes('skip').join('; ') || 'not run' };
  // As npm test's summary counts it: cut short is not a verdict.
  if (status === 'interrupted') return { topic, check: title, result: 'skipped', detail: INTERRUPTED };
  if (status === 'passed') return { topic, check: title, result: 'pass', detail: notes('measurement').join('; '), ...(edges ? { edges } : {}) };
  // The first lines of the error: the checks put the cause there, one per line.
  const cause = errorCause(error ?? status);
  return { topic, check: title, result: 'fail', detail: cause, ...(edges ? { edges } : {}) };
}

/** The detail of a row whose test was cut short. */
export const INTERRUPTED = 'interrupted (the run was stopped)';

/**
 * An error as one line: its first lines, where the checks put the cause,
 * up to the code frame, the stack or Playwright's call log; colours removed.
 */
export function errorCause(text: string): string {
  const lines = text.replace(/\u001b\[[0-9;]*m/g, '').split('\n').map((l) => l.trim());
  const end = lines.findIndex((l) => /^(>?\s*\d+ \||at \S.*:\d+(:\d+)?\)?$|error context:|call log:)/i.test(l));
  // Long enough for every cause a check names (root first): a cause cut off is no cause.
  return (end < 0 ? lines : lines.slice(0, end)).filter(Boolean).slice(0, 12).join(' · ').replace(/^Error: /, '').slice(0, 4000);
}

/** The edge names a topic's rows were checked through, in order of first appearance. */
const edgeNames = (rows: LabRow[]) => [...new Set(rows.flatMap((r) => Object.keys(r.edges ?? {})))];

const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function grouped(rows: LabRow[]): [string, LabRow[]][] {
  const topics = new Map<string, LabRow[]>();
  for (const r of rows) topics.set(r.topic, [...(topics.get(r.topic) ?? []), r]);
  return [...topics];
}

const totals = (rows: LabRow[], lang: Lang) => {
  const n = (result: LabRow['result']) => rows.filter((r) => r.result === result).length;
  if (lang === 'zh') return `通过 ${n('pass')}，未通过 ${n('fail')}，跳过 ${n('skipped')}${n('n/a') ? `，不适用 ${n('n/a')}` : ''}${n('known') ? `，已知的环境问题 ${n('known')}` : ''}`;
  return `${n('pass')} passed, ${n('fail')} failed, ${n('skipped')} skipped${n('n/a') ? `, ${n('n/a')} not applicable` : ''}${n('known') ? `, ${n('known')} known environment failure(s)` : ''}`;
};

const REPORT_WORDS = {
  title: { en: 'Lab report', zh: '实验报告' },
  check: { en: 'check', zh: '检查' },
  result: { en: 'result', zh: '结果' },
  detail: { en: 'cause, reason or measurement', zh: '原因、理由或测量值' },
  evidence: { en: "Playwright's HTML report</a> has each test's evidence (events, pod states, logs, HTTP transcripts).", zh: 'Playwright 的 HTML 报告</a>中有每个测试的证据（事件、Pod 状态、日志、HTTP 记录）。' },
  results: { en: { pass: 'pass', fail: 'FAIL', skipped: 'skipped', 'n/a': 'n/a', known: 'known' }, zh: { pass: '通过', fail: '未通过', skipped: '跳过', 'n/a': '不适用', known: '已知的环境问题' } },
};

const SOURCES: Record<string, string> = { 'Live cluster': '在线集群', Submission: '提交' };
const PARTS: Record<string, string> = { cluster: '集群', files: '文件', 'other objects': '其他对象', deploy: '部署' };

/** A row as a report or the board in `lang` shows it: the course's words for a live or grading row's topic, title and cause. */
export function worded(r: LabRow, lang: Lang): { topic: string; check: string; detail: string } {
  if (lang === 'en') return r;
  const m = /^(Live cluster|Submission): (?:lab (\S+)|(.+))$/.exec(r.topic);
  const lab = m?.[2] ? LABS.find((l) => l.id === m[2]) : undefined;
  const topic = m ? `${SOURCES[m[1]]}：${m[2] ? `实验 ${m[2]}${lab ? ` · ${lab.title.zh}` : ''}` : (PARTS[m[3]] ?? m[3])}` : r.topic;
  return { topic, check: checkZh(r.check) ?? r.check, detail: r.result === 'pass' ? r.detail : causeZh(r.detail) };
}

/** A run whose rows are the course's checks (a live run, a grading): its report is written in Chinese too. */
const courseRows = (rows: LabRow[]) => rows.some((r) => /^(Live cluster|Submission): /.test(r.topic));

/** The checks this configuration does not register, as rows (none in a grading run: its rows are the submission's). */
export function notApplicableRows(): LabRow[] {
  if (process.env.HARNESS_MANIFESTS) return [];
  const { live, probePod, quick } = parseArgs([], process.env).options;
  if (live) return liveNotApplicable(probePod).map((c) => ({ topic: `Live cluster: lab ${c.lab}`, check: c.check, result: 'n/a', detail: `not applicable: ${c.reason}` }));
  return [
    ...notApplicable().map((c): LabRow => ({ topic: TOPICS[c.suite] ?? c.suite, check: c.title, result: 'n/a', detail: `not applicable: ${c.reason}` })),
    ...(quick ? quickLeftOut() : []),
  ];
}

/** --quick: one row per file left out, counted as skipped: the report never reads as if they had run. */
export function quickLeftOut(): LabRow[] {
  return suitesLeftOutOfQuick().map(({ file, why }) => {
    const name = file.replace(/\.spec\.ts$/, '');
    return { topic: TOPICS[name] ?? name, check: `every check of suites/${file}`, result: 'skipped', detail: `not run: --quick leaves it out: ${why} (npm test without --quick runs it)` };
  });
}

export function labReportMarkdown(rows: LabRow[], heading: string, lang: Lang = 'en'): string {
  const w = (k: 'title' | 'check' | 'result' | 'detail') => REPORT_WORDS[k][lang];
  const out = [`# ${w('title')}`, '', `${heading}${colon(lang)}${totals(rows, lang)}`];
  for (const [, list] of grouped(rows)) {
    const edges = edgeNames(list);
    out.push('', `## ${worded(list[0], lang).topic}`, '', `| ${w('check')} | ${w('result')} |${edges.map((e) => ` ${e} |`).join('')} ${w('detail')} |`, `|---|---|${edges.map(() => '---|').join('')}---|`);
    for (const r of list) {
      const t = worded(r, lang);
      const result = REPORT_WORDS.results[lang][r.result];
      out.push(`| ${mdCell(t.check)} | ${r.result === 'fail' ? `**${result}**` : result} |${edges.map((e) => ` ${mdCell(r.edges?.[e] ?? '')} |`).join('')} ${mdCell(t.detail)} |`);
    }
  }
  return out.join('\n') + '\n';
}

export function labReportHtml(rows: LabRow[], heading: string, lang: Lang = 'en'): string {
  const w = (k: 'title' | 'check' | 'result' | 'detail') => REPORT_WORDS[k][lang];
  const color = { pass: '#1a7f37', fail: '#cf222e', skipped: '#9a6700', 'n/a': '#57606a', known: '#8250df' };
  const sections = grouped(rows)
    .map(([, list]) => {
      const edges = edgeNames(list);
      return (
        `<h2>${escapeHtml(worded(list[0], lang).topic)}</h2><table><tr><th>${w('check')}</th><th>${w('result')}</th>${edges.map((e) => `<th>${escapeHtml(e)}</th>`).join('')}<th>${w('detail')}</th></tr>` +
        list
          .map((r) => {
            const t = worded(r, lang);
            return `<tr><td>${escapeHtml(t.check)}</td><td style="color:${color[r.result]};font-weight:bold">${lang === 'en' ? r.result : REPORT_WORDS.results.zh[r.result]}</td>${edges.map((e) => `<td>${escapeHtml(r.edges?.[e] ?? '')}</td>`).join('')}<td>${escapeHtml(t.detail)}</td></tr>`;
          })
          .join('') +
        '</table>'
      );
    })
    .join('\n');
  const other = courseRows(rows) ? `<p><a href="${lang === 'zh' ? 'labs.html' : 'labs.zh.html'}" lang="${lang === 'zh' ? 'en' : 'zh-CN'}">${lang === 'zh' ? 'English' : '中文'}</a></p>\n` : '';
  return `<!doctype html><html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><meta charset="utf-8"><title>${w('title')}</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}</style>
<h1>${w('title')}</h1><p>${escapeHtml(`${heading}${colon(lang)}${totals(rows, lang)}`)}</p>
${other}<p><a href="html/index.html">${REPORT_WORDS.evidence[lang]}</p>
${sections}
`;
}

/** labs.md and labs.html in `dir`, and for the course's checks their Chinese versions. */
export function writeLabReportFiles(dir: string, rows: LabRow[], heading: string): void {
  mkdirSync(dir, { recursive: true });
  for (const lang of courseRows(rows) ? (['en', 'zh'] as const) : (['en'] as const)) {
    const name = lang === 'en' ? 'labs' : 'labs.zh';
    writeFileSync(`${dir}/${name}.md`, labReportMarkdown(rows, heading, lang));
    writeFileSync(`${dir}/${name}.html`, labReportHtml(rows, heading, lang));
  }
}

export default class LabReporter implements Reporter {
  private rows: LabRow[] = [];
  private cluster = '';

  onTestEnd(test: TestCase, result: TestResult): void {
    if (test.parent.project()?.name === 'unit') return;
    this.cluster ||= test.annotations.find((a) => a.type === 'cluster')?.description ?? '';
    this.rows.push(labRow(test.location.file, test.title, result.status, [...test.annotations, ...result.annotations], result.errors[0]?.message));
  }

  onEnd(result: FullResult): void {
    if (!this.rows.length) return;
    const heading = `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC${this.cluster ? `, ${this.cluster}` : ''}, run ${result.status}`;
    writeLabReport([...this.rows, ...notApplicableRows()], heading);
  }
}

/** The run's report folder: HARNESS_REPORT_DIR (a student's folder in a class), else reports/. */
export const reportsDir = () => process.env.HARNESS_REPORT_DIR || 'reports';

/** Writes labs.md, labs.html (and their Chinese versions, for the course's checks) and labs.json into the report folder. */
export function writeLabReport(rows: LabRow[], heading: string, dir = reportsDir()): void {
  writeLabReportFiles(dir, rows, heading);
  writeFileSync(`${dir}/labs.json`, JSON.stringify({ heading, rows }, null, 2) + '\n');
}

/** Adds rows to the lab report written by the run (or starts one); `replaceTopic`: a re-run's rows replace that topic's. */
export function appendToLabReport(rows: LabRow[], { replaceTopic }: { replaceTopic?: string } = {}): void {
  const file = `${reportsDir()}/labs.json`;
  const heading = `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { heading: string; rows: LabRow[] }) : { heading, rows: [] };
  writeLabReport([...previous.rows.filter((r) => r.topic !== replaceTopic), ...rows], previous.heading);
}
