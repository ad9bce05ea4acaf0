// The lab board (npm run board) as a person uses it: Chromium opens the page
// served for a course namespace of this test's own, through the read-only
// verifier's kubeconfig; the test breaks lab 30 (deletes Service myblog),
// sees its row turn to failing with the cause in Chinese and in English,
// restores it and sees the row pass again; idle, it judges nothing, and
// "Check now" judges again. The report keeps a screenshot of each state,
// the time from the change to the row's new state and the idle CPU; the page's
// headings, roles and contrast are checked from its accessibility tree and
// computed styles.
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubernetesObject, V1Service } from '@kubernetes/client-node';
import { expect, test } from '../fixtures/cluster.ts';
import { removeVerifier, VERIFIER_LOCK, verifierSession } from '../fixtures/verifier.ts';
import { contrasts, launchChromium, screenshot, startBoard, type RunningBoard } from '../fixtures/board.ts';
import { applyObjects, parseManifests } from '../lib/kube/apply.ts';
import { MANIFESTS } from '../lib/course/labs.ts';

test.use({ destructive: true });
// The verifier's ClusterRole and namespaces have fixed names: the files that set it up take turns (live-mode, cluster-facts).
test.describe.configure({ lock: VERIFIER_LOCK });

/** Lab 30's Services, for a namespace of the test's own (the NodePort left to the API server: 30080 is luffy's). */
function lab30Services(): V1Service[] {
  const dir = join(MANIFESTS, '30-services');
  return readdirSync(dir).flatMap((f) => parseManifests(readFileSync(join(dir, f), 'utf8'), f) as V1Service[]).map((s) => {
    for (const p of s.spec?.ports ?? []) delete p.nodePort;
    return { ...s, metadata: { name: s.metadata!.name } };
  });
}

/** CPU seconds (user + system) of a process and every process below it, from /proc. */
function treeCpuSeconds(root: number): number {
  const stats = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((pid) => {
    try {
      const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      return [{ pid: Number(pid), ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) }];
    } catch {
      return [];
    }
  });
  const tree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of stats) {
      if (tree.has(s.pid) || !tree.has(s.ppid)) continue;
      tree.add(s.pid);
      grew = true;
    }
  }
  return stats.filter((s) => tree.has(s.pid)).reduce((sum, s) => sum + s.ticks, 0) / 100;
}

test('the lab board: Chromium sees lab 30 pass, turn to failing with its cause in both languages when Service myblog is deleted, and pass again once it is restored', async ({ cluster, ns }, testInfo) => {
  // A guard against a hang, not a speed bound: each judgement is an npm test -- --live run (Playwright's start is most of it).
  test.setTimeout(12 * 60_000);
  const dir = mkdtempSync(join(tmpdir(), 'board-'));
  let objects: KubernetesObject[] = [];
  let board: RunningBoard | undefined;
  const browser = await launchChromium();
  try {
    const session = await verifierSession(cluster, dir);
    objects = session.objects;
    const services = lab30Services();
    await applyObjects(cluster.kc, services, ns);

    board = await startBoard(['--live', '--kubeconfig', session.kubeconfig, '--namespace', ns, '--grep', 'lab (01|30)-', '--lang', 'zh'], { HARNESS_REPORT_DIR: join(dir, 'reports') });

    const page = await browser.newPage();
    await page.goto(board.url);
    const row = page.locator('li.row[data-check^="the cluster has Service/"]');
    const shot = (name: string) => screenshot(testInfo, page, name);

    // The first judgement: the Services are there.
    await expect(row).toHaveAttribute('data-state', 'pass', { timeout: 5 * 60_000 });
    // The course's words for the live check's title (the Services in the lab folder's file order).
    await expect(row.locator('.title')).toHaveText(/^集群中已有 Service\/[\w-]+、Service\/[\w-]+、Service\/[\w-]+$/);
    for (const name of ['myblog', 'mysql', 'myblog-np']) await expect(row.locator('.title')).toContainText(`Service/${name}`);
    await shot('board-zh-passing.png');

    // Headings, roles and names, as a screen reader gets them.
    const tree = await page.locator('body').ariaSnapshot();
    expect(tree).toContain('heading "课程实验进度" [level=1]');
    expect(tree).toMatch(/heading "30-services · Service 服务访问 \S+" \[level=2\]/);
    expect(tree).toContain('button "立即检查"');
    expect(tree).toMatch(/status:/);
    const low = (await contrasts(page, '.badge')).filter((c) => c.ratio < 4.5);
    expect(low, 'badges whose text contrast is below WCAG AA (4.5:1)').toEqual([]);

    // Break lab 30: the row turns to failing, with its cause in the course's words.
    const broken = Date.now();
    await cluster.core.deleteNamespacedService({ name: 'myblog', namespace: ns });
    await expect(row).toHaveAttribute('data-state', 'fail', { timeout: 5 * 60_000 });
    const toRed = (Date.now() - broken) / 1000;
    await expect(row.locator('.detail')).toContainText(`命名空间 ${ns} 中找不到 Service myblog`);
    await expect(row.locator('.hint')).toContainText('kubectl apply -f');
    await shot('board-zh-failing.png');
    await page.getByRole('link', { name: 'English' }).click();
    const rowEn = page.locator('li.row[data-check^="the cluster has Service/"]');
    await expect(rowEn).toHaveAttribute('data-state', 'fail');
    await expect(rowEn.locator('.detail')).toContainText(`Service myblog not found in namespace ${ns}`);
    await expect(rowEn.locator('.badge')).toHaveText('failing');
    await shot('board-en-failing.png');

    // Restore it: the row passes again.
    const restored = Date.now();
    await applyObjects(cluster.kc, services.filter((s) => s.metadata?.name === 'myblog'), ns);
    await expect(rowEn).toHaveAttribute('data-state', 'pass', { timeout: 5 * 60_000 });
    const toGreen = (Date.now() - restored) / 1000;
    await shot('board-en-passing.png');

    // Idle: no change, no judgement; what the board costs meanwhile. Every watch was allowed (the named
    // ConfigMap and Secrets by field selector too): no problem on the page.
    await expect(page.locator('#status')).not.toContainText('checking…');
    await expect(page.locator('#status .problem')).toHaveCount(0);
    const judgedAt = async () => ((await (await page.request.get(`${board!.url}board.json`)).json()) as { status: { judgedAt?: string } }).status.judgedAt;
    const before = await judgedAt();
    const cpu0 = treeCpuSeconds(board.pid);
    const idleFrom = Date.now();
    await page.waitForTimeout(20_000); // the span measured, not a wait for something
    const idleCpu = treeCpuSeconds(board.pid) - cpu0;
    const idleSpan = (Date.now() - idleFrom) / 1000;
    expect(await judgedAt(), 'no change in the cluster, no judgement').toBe(before);

    // "Check now" judges again on demand.
    await page.getByRole('button', { name: 'Check now' }).click();
    await expect(page.locator('#status')).toContainText('checking…');
    await expect(page.locator('#status')).not.toContainText('checking…', { timeout: 5 * 60_000 });
    expect(await judgedAt()).not.toBe(before);
    await expect(rowEn).toHaveAttribute('data-state', 'pass');
    testInfo.annotations.push({
      type: 'measurement',
      description: `from the change to the row's new state: ${toRed.toFixed(1)} s to failing, ${toGreen.toFixed(1)} s to passing again (debounce 1.5 s, then one npm test -- --live run); idle: ${idleCpu.toFixed(2)} s of CPU in ${idleSpan.toFixed(0)} s (${((idleCpu / idleSpan) * 100).toFixed(1)}% of one core; the board's processes had used ${cpu0.toFixed(1)} s before)`,
    });
  } finally {
    await browser.close();
    await board?.stop();
    if (objects.length) await removeVerifier(cluster, objects);
    rmSync(dir, { recursive: true, force: true });
  }
});
