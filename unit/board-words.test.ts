import { expect, test } from '@playwright/test';
import { listTests } from '../lib/report/rehearsal.ts';
import { LIVE_NOT_APPLICABLE } from '../lib/config/applicability.ts';
import { causeZh, LABS, langOf, rowWords } from '../lib/course/words.ts';
import { boardLabs } from '../lib/board/rows.ts';
import { boardPage } from '../lib/board/page.ts';
import type { LabRow } from '../lib/report/lab-report.ts';

const HAN = /[\u4e00-\u9fff]/;

/** The titles among these whose row lacks a Chinese title, or a hint in either language. */
const withoutWords = (titles: string[]) =>
  [...new Set(titles)].filter((t) => {
    const w = rowWords(t);
    return !w || !HAN.test(w.zh) || !HAN.test(w.hint.zh) || !w.hint.en;
  });

test('every row a live run registers (with and without --probe-pod) and every row it lists as not applicable has a Chinese title and a hint in both languages', async () => {
  // Two Playwright --list runs, each a few seconds alone, longer beside a full npm test: a guard against a hang.
  test.setTimeout(300_000);
  const titles: string[] = [];
  const lists = await Promise.all(['false', 'true'].map((probe) => listTests('live', { HARNESS_LIVE: 'true', HARNESS_PROBE_POD: probe, HARNESS_KUBECONFIG: '', HARNESS_NAMESPACE: '' })));
  for (const { tests, problems } of lists) {
    expect(problems).toEqual([]);
    titles.push(...tests.map((t) => t.title.replace(/^[^:]+: /, '')));
  }
  titles.push(...LIVE_NOT_APPLICABLE.map((c) => c.check));
  expect(titles.length).toBeGreaterThan(20);
  expect(withoutWords(titles), 'rows without Chinese words or a hint (lib/course/words.ts)').toEqual([]);
  for (const lab of LABS) expect(HAN.test(lab.chapter.zh) && HAN.test(lab.title.zh) && !!lab.chapter.en, lab.id).toBe(true);
  // The reasons a row is not applicable, in Chinese too: no English prose left in them.
  const english = LIVE_NOT_APPLICABLE.map((c) => causeZh(c.reason)).filter((zh) => /\b[a-z]{3,} [a-z]{3,}\b/.test(zh));
  expect(english, 'reasons left in English (lib/course/words.ts CAUSES)').toEqual([]);
});

test('every row a grading run registers (the submission deployed, its files, labs and behaviour) has a Chinese title and a hint in both languages', async () => {
  test.setTimeout(300_000); // as above
  const titles: string[] = [];
  for (const { tests, problems } of await Promise.all(['grade-setup', 'grade'].map((project) => listTests(project, { HARNESS_MANIFESTS: 'manifests' })))) {
    expect(problems).toEqual([]);
    titles.push(...tests.map((t) => t.title.replace(/^(lab [^:]+|files|other objects): /, '')));
  }
  expect(titles.length).toBeGreaterThan(20);
  expect(withoutWords(titles), 'rows without Chinese words or a hint (lib/course/words.ts)').toEqual([]);
});

test("causes are worded in Chinese as the course words them; a part no rule knows stays as the check said it", () => {
  expect(causeZh('Service myblog not found in namespace luffy')).toBe('命名空间 luffy 中找不到 Service myblog');
  expect(causeZh('Deployment myblog is not rolled out: 1 of 2 replicas available, 2 updated')).toBe('Deployment myblog 尚未发布完成：2 个副本中 1 个可用，2 个已更新');
  expect(causeZh('http://myblog.luffy.com/blog/index/ is not routed to Service myblog: no Ingress rule routes myblog.luffy.com/blog/index/ (there is no Ingress); the answer: answered HTTP 404 (no backend pod named itself)')).toBe(
    'http://myblog.luffy.com/blog/index/ 没有被路由到 Service myblog：没有 Ingress 规则路由 myblog.luffy.com/blog/index/（没有任何 Ingress）；得到的应答：应答 HTTP 404（没有后端 Pod 报出自己的名字）',
  );
  expect(causeZh('Service mysql does not select a Ready pod: Service mysql selects app=mysqll: no pod matches (pods have app=mysql)')).toBe('Service mysql 没有选中就绪的 Pod：Service mysql 的选择器 app=mysqll 匹配不到任何 Pod（现有 Pod 的标签：app=mysql）');
  expect(causeZh('NodePort Service myblog-np does not serve on node-1 (10.0.0.11): no answer: ETIMEDOUT (if the nodes are behind NAT, give addresses that reach them with --node-address A,B)')).toBe(
    'NodePort 类型的 Service myblog-np 在 node-1 (10.0.0.11) 上无法访问：没有应答：ETIMEDOUT（节点在 NAT 之后时，用 --node-address A,B 给出能到达它们的地址）',
  );
  expect(causeZh('not applicable: a rollout changes the Deployment, and --live never writes')).toBe('不适用：滚动更新要修改 Deployment，而 --live 从不写集群');
  expect(causeZh("Service myblog not found in namespace luffy · hint: see the course's section Service 服务访问")).toBe('命名空间 luffy 中找不到 Service myblog；提示：参见课程的“Service 服务访问”一节');
  expect(causeZh('Service mysql selects app=mysqll: no pod matches (pods have app=mysql; app=myblog)')).toBe('Service mysql 的选择器 app=mysqll 匹配不到任何 Pod（现有 Pod 的标签：app=mysql; app=myblog）');
  // A route case on two edges; a rollout that lost requests; an update and health checks that fail.
  expect(causeZh('case "Host myblog.luffy.com serves the blog list over HTTP from myblog" differs from the course on Gateway: Ingress: as expected | Gateway: http://myblog.luffy.com/blog/index/ is not routed to Service myblog: no Ingress rule routes myblog.luffy.com/blog/index/ (there is no Ingress)')).toBe(
    '用例“域名 myblog.luffy.com 通过 HTTP 从 myblog 得到博客列表”在 Gateway 上与课程不符：Ingress：符合预期 | Gateway：http://myblog.luffy.com/blog/index/ 没有被路由到 Service myblog：没有 Ingress 规则路由 myblog.luffy.com/blog/index/（没有任何 Ingress）',
  );
  expect(causeZh('Deployment myblog loses requests in a rolling update (strategy RollingUpdate maxSurge 25% maxUnavailable 25%; readinessProbe none; preStop none): requests failed: new connection per request: http-5xx 3, connect-error 1 of 754, failing from 1.20s to 2.00s after the change; Ingress HTTP GET myblog.luffy.com (10.0.0.1:80), new connection each: after the old pods were gone answered v1, v2, not only v2')).toBe(
    'Deployment myblog 在滚动更新中丢失了请求（策略 RollingUpdate maxSurge 25% maxUnavailable 25%；readinessProbe 未设置；preStop 未设置）：失败的请求：每个请求新建连接：754 个请求中 http-5xx 3, connect-error 1，变更后 1.20s 至 2.00s 之间失败；Ingress HTTP GET myblog.luffy.com (10.0.0.1:80)（每个请求新建连接）：旧 Pod 全部退出后应答的版本是 v1, v2，而不只是 v2',
  );
  expect(causeZh('not run through the NodePort: Service myblog-np has no nodePort (type ClusterIP); through the Ingress the rolling update lost no request')).toBe('未经由 NodePort 检查：Service myblog-np 没有 nodePort（类型是 ClusterIP）；经由 Ingress 的滚动更新没有丢失请求');
  expect(causeZh('Deployment mysql does not recreate: new pod mysql-6f7d9c8b5-x2x9q was created 0.4s after the change while old pod mysql-5d8f7c9b6d-abcde (Running) still existed (strategy RollingUpdate); both would mount hostPath /opt/mysql/data')).toBe(
    'Deployment mysql 没有先删旧 Pod 再建新 Pod（Recreate）：变更后 0.4s 新 Pod mysql-6f7d9c8b5-x2x9q 已创建，而旧 Pod mysql-5d8f7c9b6d-abcde (Running) 仍然存在（策略 RollingUpdate）；两个 Pod 会同时挂载 hostPath /opt/mysql/data',
  );
  expect(causeZh('Deployment myblog container myblog: no readinessProbe: a hung pod stays in the Service; no livenessProbe: a hung pod is never restarted')).toBe('Deployment myblog 的容器 myblog：没有 readinessProbe：卡住的 Pod 仍留在 Service 中；没有 livenessProbe：卡住的 Pod 永远不会被重启');
  expect(causeZh('something new the checks say')).toBe('something new the checks say');
  expect(langOf('zh_CN.UTF-8')).toBe('zh');
  expect(langOf('en_US.UTF-8')).toBe('en');
  expect(langOf(undefined)).toBe('en');
});

const row = (topic: string, check: string, result: LabRow['result'], detail = ''): LabRow => ({ topic: `Live cluster: ${topic}`, check, result, detail });

test("the board's labs: in the course's order; a lab whose objects are all missing is not started, one with an object missing among others fails", () => {
  const labs = boardLabs([
    row('lab 30-services', 'the cluster has Service/myblog, Service/mysql', 'fail', 'Service myblog not found in namespace luffy · Service mysql not found in namespace luffy'),
    row('lab 30-services', 'Service mysql selects the Ready mysql pod on its port', 'fail', 'Service mysql does not select a Ready pod: Service mysql not found'),
    row('lab 01-namespace', 'namespace luffy exists', 'pass'),
    row('lab 20-deployments', 'the cluster has Deployment/mysql, Deployment/myblog', 'fail', 'Deployment mysql not found in namespace luffy · Deployment myblog not found in namespace luffy'),
    row('lab 20-deployments', 'mysql and myblog are rolled out', 'fail', 'Deployment myblog not found in namespace luffy'),
    row('lab 20-deployments', 'myblog rolls from v1 to v2 under load with no failed request', 'n/a', 'not applicable: a rollout changes the Deployment, and --live never writes'),
    row('cluster', "kube-proxy runs in ipvs mode (the course's mode)", 'pass'),
  ]);
  expect(labs.map((l) => [l.id, l.state])).toEqual([['cluster', 'pass'], ['01-namespace', 'pass'], ['20-deployments', 'not-started'], ['30-services', 'not-started']]);
  expect(labs[3].rows.map((r) => r.state)).toEqual(['not-started', 'not-started']);
  expect(labs[2].rows[2]).toMatchObject({ state: 'n/a', title: { zh: 'myblog 在负载下从 v1 滚动更新到 v2，没有失败的请求' } });

  // One object missing, another there: the lab is under way, and failing.
  const some = boardLabs([
    row('lab 30-services', 'the cluster has Service/myblog, Service/mysql', 'fail', 'Service myblog not found in namespace luffy'),
    row('lab 30-services', 'Service mysql selects the Ready mysql pod on its port', 'pass'),
  ]);
  expect(some[0].state).toBe('fail');
  expect(some[0].rows.map((r) => r.state)).toEqual(['fail', 'pass']);
  expect(boardLabs([row('lab 01-namespace', 'namespace luffy exists', 'fail', 'namespace luffy not found')])[0].state).toBe('not-started');
});

test('the page: one heading per lab, states in words, the cause and hint in the language asked for, text escaped', () => {
  const labs = boardLabs([row('lab 30-services', 'NodePort Service myblog-np serves the blog list on every node', 'fail', 'NodePort Service myblog-np does not serve: Service myblog-np not found in namespace <luffy>')]);
  const zh = boardPage(labs, { target: 'https://127.0.0.1:6443', running: false }, 'zh');
  expect(zh).toContain('<html lang="zh-CN">');
  expect(zh).toContain('<h2 id="lab-30-services">30-services · Service 服务访问');
  expect(zh).toContain('<span class="badge">未通过</span> <span class="title">NodePort 类型的 Service myblog-np 在每个节点上都能访问到博客列表</span>');
  expect(zh).toContain('&lt;luffy&gt;');
  expect(zh).not.toContain('<luffy>');
  const en = boardPage(labs, { target: 'x', running: true, problem: 'cannot reach the API server' }, 'en');
  expect(en).toContain('<span class="badge">failing</span> <span class="title">NodePort Service myblog-np serves the blog list on every node</span>');
  expect(en).toContain('checking…');
  expect(en).toContain('problem: cannot reach the API server');
});
