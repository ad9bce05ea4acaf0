import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { appendToLabReport, errorCause, labReportHtml, labReportMarkdown, labRow, writeLabReport, writeLabReportFiles, type LabRow } from '../lib/report/lab-report.ts';
import { existsSync } from 'node:fs';
import { tempDir } from './temp.ts';

test('labRow: the topic from the suite, the skip reason, the failure cause without colours or stack, the measurements', () => {
  expect(labRow('/x/suites/pod-labs.spec.ts', 'split pods', 'passed', [{ type: 'measurement', description: 'a: 1.0 s' }, { type: 'measurement', description: 'a: 1.0 s' }])).toEqual({
    topic: 'Pod labs (manifests/pods)',
    check: 'split pods',
    result: 'pass',
    detail: 'a: 1.0 s',
  });
  expect(labRow('suites/kube-proxy.spec.ts', 'ipvs', 'skipped', [{ type: 'skip', description: 'no IP_VS' }]).detail).toBe('no IP_VS');
  const failed = labRow('suites/negative-controls.spec.ts', 'selector', 'failed', [], '\u001b[31mService web does not serve: Service web selects app=wbe: no pod matches\u001b[39m\n\n    at x.ts:1');
  expect(failed.result).toBe('fail');
  expect(failed.detail).toBe('Service web does not serve: Service web selects app=wbe: no pod matches');
  expect(labRow('suites/cluster.setup.ts', 'up', 'timedOut', [], undefined).detail).toBe('timedOut');
  expect(labRow('suites/new-thing.spec.ts', 't', 'interrupted', [])).toMatchObject({ result: 'skipped', detail: 'interrupted (the run was stopped)' });
  expect(labRow('suites/new-thing.spec.ts', 't', 'passed', []).topic).toBe('new-thing');
});

test('the markdown and HTML reports group rows by topic, escape what they must and count the results', () => {
  const rows = [
    labRow('suites/pod-labs.spec.ts', 'a | b', 'passed', []),
    labRow('suites/pod-labs.spec.ts', 'c', 'failed', [], 'x <y> & z'),
    labRow('suites/kube-proxy.spec.ts', 'ipvs', 'skipped', [{ type: 'skip', description: 'no IP_VS' }]),
  ];
  const md = labReportMarkdown(rows, 'today');
  expect(md).toContain('today: 1 passed, 1 failed, 1 skipped');
  expect(md).toContain('## Pod labs (manifests/pods)');
  expect(md).toContain('| a \\| b | pass |  |');
  expect(md).toContain('| c | **FAIL** | x <y> & z |');
  expect(md.indexOf('## Pod labs')).toBeLessThan(md.indexOf('## kube-proxy mode'));
  const html = labReportHtml(rows, 'today');
  expect(html).toContain('x &lt;y&gt; &amp; z');
  expect(html).toContain('<h2>kube-proxy mode</h2>');
});

test('labRow: a grading row goes under "Submission: <lab>", titled by its check', () => {
  const row = labRow('suites/grade/1-stack.grade.ts', 'lab 30-services: Service myblog answers', 'failed', [], 'Service myblog selects app=myblg: no pod matches');
  expect(row).toEqual({ topic: 'Submission: lab 30-services', check: 'Service myblog answers', result: 'fail', detail: 'Service myblog selects app=myblg: no pod matches' });
  expect(labRow('suites/grade/1-stack.grade.ts', 'files: a.yaml is Kubernetes YAML', 'passed', []).topic).toBe('Submission: files');
  expect(labRow('suites/grade/deploy.setup.ts', 'deployed', 'passed', []).topic).toBe('Submission: deploy');
});

test('a route case checked on both edges shows each edge in its own column', () => {
  const row = labRow('suites/course-stack.spec.ts', 'lab 50-bookstore: /reviews/0', 'failed', [
    { type: 'edge', description: 'Ingress: as expected' },
    { type: 'edge', description: 'Gateway: http://b/reviews/0 is not routed: HTTPRoute bookstore: Accepted False (NoMatchingParent)' },
  ], 'case differs');
  expect(row.edges).toEqual({ Ingress: 'as expected', Gateway: 'http://b/reviews/0 is not routed: HTTPRoute bookstore: Accepted False (NoMatchingParent)' });
  const md = labReportMarkdown([row, labRow('suites/course-stack.spec.ts', 'NodePort', 'passed', [])], 'today');
  expect(md).toContain('| check | result | Ingress | Gateway | cause, reason or measurement |');
  expect(md).toContain('| lab 50-bookstore: /reviews/0 | **FAIL** | as expected | http://b/reviews/0 is not routed: HTTPRoute bookstore: Accepted False (NoMatchingParent) | case differs |');
  expect(md).toContain('| NodePort | pass |  |  |  |');
  expect(labReportHtml([row], 'today')).toContain('<th>Ingress</th><th>Gateway</th>');
});

test('errorCause: the cause lines up to the stack, code frame or call log (any case); a cause line starting with "at" is kept', () => {
  expect(errorCause('Error: Deployment web is stuck\nat least 2 pods are not Ready\n    at rollOut (/repo/fixtures/rollout.ts:12:5)\n    at x.ts:3')).toBe('Deployment web is stuck · at least 2 pods are not Ready');
  expect(errorCause('Error: expect(received).toBe(expected)\n\nCall Log:\n- Timeout 5000ms exceeded')).toBe('expect(received).toBe(expected)');
  expect(errorCause('Error: boom\n\n  > 12 | await check();\n       |       ^')).toBe('boom');
});

test("a command's section appended to the run's lab report: counted apart when known to be the environment's, and a re-run's rows replace its topic", () => {
  const dir = tempDir('labs-');
  process.env.HARNESS_REPORT_DIR = dir;
  try {
    writeLabReport([labRow('suites/pod-labs.spec.ts', 'a', 'passed', [])], 'the run');
    const section = (detail: string): LabRow[] => [
      { topic: 'Kubernetes conformance', check: 'the specs', result: 'pass', detail },
      { topic: 'Kubernetes conformance', check: 'same port', result: 'known', detail: 'known environment failure: the network answers' },
    ];
    appendToLabReport(section('first'), { replaceTopic: 'Kubernetes conformance' });
    appendToLabReport(section('second'), { replaceTopic: 'Kubernetes conformance' });
    const report = JSON.parse(readFileSync(join(dir, 'labs.json'), 'utf8')) as { heading: string; rows: LabRow[] };
    expect(report.heading).toBe('the run');
    expect(report.rows.map((r) => `${r.check}: ${r.detail}`)).toEqual(['a: ', 'the specs: second', 'same port: known environment failure: the network answers']);
    const md = readFileSync(join(dir, 'labs.md'), 'utf8');
    expect(md).toContain('the run: 2 passed, 0 failed, 0 skipped, 1 known environment failure(s)');
    expect(md).toContain('| same port | known | known environment failure: the network answers |');
  } finally {
    delete process.env.HARNESS_REPORT_DIR;
  }
});

test("a grading or live run's report in Chinese too, worded as the lab board words its rows; a run of the suites in English only", () => {
  const rows = [
    labRow('suites/grade/1-stack.grade.ts', 'lab 30-services: NodePort Service myblog-np serves the blog list on every node', 'failed', [], 'Service myblog-np is of type ClusterIP, not NodePort'),
    labRow('suites/grade/1-stack.grade.ts', 'files: 30-services/svc.yaml is Kubernetes YAML without audit findings', 'passed', []),
    { topic: 'Live cluster: lab 20-deployments', check: 'myblog rolls from v1 to v2 under load with no failed request', result: 'n/a' as const, detail: 'not applicable: a rollout changes the Deployment, and --live never writes' },
  ];
  const md = labReportMarkdown(rows, '今天', 'zh');
  expect(md).toContain('# 实验报告');
  expect(md).toContain('今天：通过 1，未通过 1，跳过 0，不适用 1');
  expect(md).toContain('## 提交：实验 30-services · Service 服务访问');
  expect(md).toContain('| 检查 | 结果 | 原因、理由或测量值 |');
  expect(md).toContain('| NodePort 类型的 Service myblog-np 在每个节点上都能访问到博客列表 | **未通过** | Service myblog-np 的类型是 ClusterIP，不是 NodePort |');
  expect(md).toContain('## 提交：文件');
  expect(md).toContain('| myblog 在负载下从 v1 滚动更新到 v2，没有失败的请求 | 不适用 | 不适用：滚动更新要修改 Deployment，而 --live 从不写集群 |');
  expect(labReportHtml(rows, '今天', 'zh')).toContain('<html lang="zh-CN">');
  expect(labReportHtml(rows, 'today', 'en')).toContain('<a href="labs.zh.html" lang="zh-CN">中文</a>');

  const dir = tempDir('labs-zh-');
  writeLabReportFiles(dir, rows, 'today');
  expect(readFileSync(join(dir, 'labs.zh.md'), 'utf8')).toContain('## 在线集群：实验 20-deployments · Deployment 改造');
  expect(readFileSync(join(dir, 'labs.md'), 'utf8')).toContain('## Live cluster: lab 20-deployments');
  const suites = tempDir('labs-en-');
  writeLabReportFiles(suites, [labRow('suites/pod-labs.spec.ts', 'a', 'passed', [])], 'today');
  expect(existsSync(join(suites, 'labs.zh.md'))).toBe(false);
});
