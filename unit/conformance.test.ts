import { resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { checkDeletedPort, parseCurl, type DeletedPortCheck } from '../lib/conformance/evidence.ts';
import { counts, judge, parseGinkgoReport, parseKnownFailures, readKnownFailures, type Evidence, type KnownFailure, type SpecResult } from '../lib/conformance/results.ts';
import { Progress } from '../lib/conformance/run.ts';
import { imagesToBuild } from '../lib/conformance/tools.ts';
import type { ExecResult } from '../lib/kube/kube.ts';

const spec = (texts: string[], leaf: string, state: string, runTime: number, failure?: string, type = 'It') => ({
  ContainerHierarchyTexts: texts,
  LeafNodeText: leaf,
  LeafNodeType: type,
  State: state,
  RunTime: runTime,
  ...(failure ? { Failure: { Message: failure, Location: { FileName: 'k8s.io/kubernetes@v1.34.0/test/e2e/network/service.go', LineNumber: 4242 } } } : {}),
});

test("Ginkgo's JSON report: one result per spec that ran; specs the focus left out are not results; a failed suite node is", () => {
  const report = JSON.stringify([
    {
      SuiteSucceeded: false,
      PreRunStats: { SpecsThatWillRun: 3 },
      SpecReports: [
        spec([], '', 'passed', 1000, undefined, 'ReportBeforeSuite'),
        spec(['[sig-network] Services'], 'should serve a basic endpoint from pods [Conformance]', 'passed', 12_345_000_000),
        spec(['[sig-network] Services'], 'should serve endpoints on same port and different protocols [Conformance]', 'failed', 30_000_000_000, 'connection to 10.96.1.2:80 succeeded\nexpected it to fail'),
        spec(['[sig-storage] CSI'], 'should mount', 'skipped', 0),
        spec(['[sig-network] Networking'], 'should work over IPv6', 'skipped', 1_000_000, 'Only supported for providers [gce]'),
        spec([], '', 'timedout', 5_000_000_000, 'nodes not ready', 'SynchronizedBeforeSuite'),
      ],
    },
  ]);
  const { specs, problems } = parseGinkgoReport(report, 'report.json');
  expect(specs.map((r) => [r.name, r.state, r.seconds])).toEqual([
    ['[sig-network] Services should serve a basic endpoint from pods [Conformance]', 'passed', 12.3],
    ['[sig-network] Services should serve endpoints on same port and different protocols [Conformance]', 'failed', 30],
    ['[sig-network] Networking should work over IPv6', 'skipped', 0],
    ['SynchronizedBeforeSuite', 'failed', 5],
  ]);
  expect(specs[1].failure).toBe('failed: connection to 10.96.1.2:80 succeeded · expected it to fail (test/e2e/network/service.go:4242)');
  expect(specs[2].failure).toBe('Only supported for providers [gce]');
  expect(specs[3].failure).toMatch(/^timedout: nodes not ready/);
  // Its failed specs say why the suite failed: nothing more to add.
  expect(problems).toEqual([]);
});

test('a run that ended early is a problem of the run, never a pass: fewer specs than selected, a suite that failed with no failed spec, an empty report', () => {
  const suite = (o: object) => JSON.stringify([{ PreRunStats: { SpecsThatWillRun: 3 }, SuiteSucceeded: true, ...o }]);
  const two = [spec(['[sig-node] Pods'], 'a', 'passed', 1e9), spec(['[sig-node] Pods'], 'b', 'passed', 1e9)];
  expect(parseGinkgoReport(suite({ SpecReports: [...two, spec(['[sig-node] Pods'], 'c', 'skipped', 0)], SuiteSucceeded: false, SpecialSuiteFailureReasons: ['Suite Timeout Elapsed'] }), 'r').problems).toEqual([
    '1 of the 3 selected specs did not run (Suite Timeout Elapsed)',
  ]);
  expect(parseGinkgoReport(suite({ SpecReports: [...two, spec(['[sig-node] Pods'], 'c', 'passed', 1e9)], SuiteSucceeded: false, SpecialSuiteFailureReasons: ['Interrupted by User'] }), 'r').problems).toEqual([
    'the suite did not succeed: Interrupted by User',
  ]);
  expect(parseGinkgoReport(suite({ SpecReports: [...two, spec(['[sig-node] Pods'], 'c', 'passed', 1e9)] }), 'r').problems).toEqual([]);
  expect(parseGinkgoReport('[]', 'r').problems).toEqual(['the run wrote an empty report: no worker reported (see the log)']);
  expect(() => parseGinkgoReport('{"trunc', 'reports/conformance/report.json')).toThrow(/^reports\/conformance\/report\.json is not Ginkgo's JSON report: /);
});

const failing = (name: string, failure: string): SpecResult => ({ name, state: 'failed', seconds: 1, failure });
const SAMEPORT = '[sig-network] Services should serve endpoints on same port and different protocols [Conformance]';
const entry = (over: Partial<KnownFailure> = {}): KnownFailure => ({
  spec: SAMEPORT,
  failure: 'succeeded',
  cause: 'The network answers.',
  evidence: { deletedServicePort: { port: 80 } },
  ...over,
});

test('a known failure is the environment\'s only with its own message and its evidence holding on this run; anything else fails', async () => {
  const results: SpecResult[] = [
    { name: 'a passing spec', state: 'passed', seconds: 1 },
    failing(SAMEPORT, 'failed: connection succeeded'),
    failing('[sig-network] DNS should provide DNS for services [Conformance]', 'failed: timed out'),
  ];
  let probes = 0;
  const holds = async (e: Evidence) => (probes++, { holds: true, detail: `TCP port ${e.deletedServicePort.port} answered` });
  const judged = await judge(results, [entry()], holds);
  expect(judged.map((j) => j.verdict)).toEqual(['passed', 'known', 'failed']);
  expect(judged[1].explanation).toBe('The network answers. Evidence on this run: TCP port 80 answered.');
  expect(counts(judged)).toEqual({ passed: 1, failed: 1, known: 1, skipped: 0 });

  // The same failure where the evidence does not hold (another machine, or the cluster's fault) is a failure, saying why.
  const elsewhere = await judge(results, [entry()], async () => ({ holds: false, detail: 'nothing answered' }));
  expect(elsewhere[1]).toMatchObject({ verdict: 'failed', explanation: 'listed as known, but the evidence does not put it on the environment: nothing answered' });

  // The listed spec failing otherwise than the entry explains is a failure, and the evidence is not even gathered.
  probes = 0;
  const otherwise = await judge([failing(SAMEPORT, 'failed: pod never started')], [entry()], holds);
  expect(otherwise[0]).toMatchObject({ verdict: 'failed', explanation: 'listed as known, but failed otherwise than it explains (expected /succeeded/)' });
  expect(probes).toBe(0);

  // Two entries for one spec: the one whose message matches explains it.
  const two = await judge([failing(SAMEPORT, 'failed: udp timed out')], [entry(), entry({ failure: 'udp', cause: 'The UDP cause.' })], holds);
  expect(two[0]).toMatchObject({ verdict: 'known', explanation: expect.stringMatching(/^The UDP cause\. /) });

  // The evidence is gathered once per entry, however many results it explains.
  probes = 0;
  await judge([failing(SAMEPORT, 'succeeded'), failing(SAMEPORT, 'succeeded')], [entry()], holds);
  expect(probes).toBe(1);
});

test('a known failure excuses only the spec of exactly its name: not a spec that contains it, starts with it, or differs in case', async () => {
  let probes = 0;
  const holds = async () => (probes++, { holds: true, detail: 'answered' });
  const others = [
    // The entry's name is a part of these.
    `${SAMEPORT} [Slow]`,
    `[sig-network] [Feature:X] Services should serve endpoints on same port and different protocols [Conformance]`,
    // These are a part of the entry's name (the old "a part of it" entries).
    '[sig-network] Services should serve endpoints on same port and different protocols',
    'same port and different protocols',
    SAMEPORT.toLowerCase(),
  ];
  const judged = await judge(
    others.map((n) => failing(n, 'succeeded')),
    [entry()],
    holds,
  );
  expect(judged.map((j) => [j.name, j.verdict, j.explanation])).toEqual(others.map((n) => [n, 'failed', undefined]));
  expect(probes).toBe(0);
  // An entry written as a pattern or a part matches nothing, not even the spec it meant.
  for (const spec of ['same port and different protocols', String.raw`.*same port and different protocols.*`]) {
    expect((await judge([failing(SAMEPORT, 'succeeded')], [entry({ spec })], holds))[0]).toMatchObject({ verdict: 'failed' });
  }
  expect(probes).toBe(0);
  expect((await judge([failing(SAMEPORT, 'succeeded')], [entry()], holds))[0].verdict).toBe('known');
});

const http = (status: string, body: string, server?: string): ExecResult => ({
  stdout: `HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\n${server ? `Server: ${server}\r\n` : ''}Content-Length: ${body.length}\r\n\r\n${body}`,
  stderr: '',
  exitCode: 0,
});
const refused: ExecResult = { stdout: '', stderr: "curl: (7) Failed to connect to 10.96.7.7 port 80 after 1 ms: Couldn't connect to server\n", exitCode: 7 };
const fast = { timeoutMs: 40, pollMs: 5 };

/** The cluster side of the check, as a script: what execpod's curl gets before and after the TCP port is deleted. */
function fakeCluster(after: ExecResult, o: { before?: ExecResult; setUp?: Error } = {}) {
  const calls: string[] = [];
  let deleted = false;
  const check: DeletedPortCheck = {
    async setUp() {
      calls.push('setUp');
      if (o.setUp) throw o.setUp;
      return { clusterIP: '10.96.7.7', port: 80, endpoint: 'pod1', client: 'execpod' };
    },
    async probe() {
      calls.push(deleted ? 'probe after' : 'probe before');
      return parseCurl(deleted ? after : (o.before ?? http('200 OK', 'pod1')));
    },
    async deleteTcpPort() {
      calls.push('deleteTcpPort');
      deleted = true;
    },
    async tearDown() {
      calls.push('tearDown');
    },
  };
  return { check, calls };
}

test('the evidence, from a pod: excused when the deleted port is answered by something that is not the Service\'s endpoint', async () => {
  const cluster = fakeCluster(http('404 Not Found', '404 page not found', 'interceptor'));
  const observed = await checkDeletedPort(cluster.check, fast);
  const detail =
    'from pod execpod, TCP 10.96.7.7:80, after the Service\'s TCP port 80 was deleted (UDP 80 kept), was accepted and answered "HTTP/1.1 404 Not Found", server: interceptor, body "404 page not found", not by the Service\'s endpoint pod1 (it answers its name, and did before the port was deleted)';
  expect(observed).toEqual({ holds: true, detail });
  expect(cluster.calls).toEqual(['setUp', 'probe before', 'deleteTcpPort', 'probe after', 'tearDown']);
  const judged = await judge([failing(SAMEPORT, 'failed: succeeded')], [entry()], () => checkDeletedPort(fakeCluster(http('404 Not Found', '404 page not found', 'interceptor')).check, fast));
  expect(judged[0]).toMatchObject({ verdict: 'known', explanation: `The network answers. Evidence on this run: ${detail}.` });
});

test('the evidence, from a pod: not excused when the cluster answers the deleted port (kube-proxy kept its rules), nothing answers, or the check cannot be made', async () => {
  const judgedWith = async (cluster: ReturnType<typeof fakeCluster>) => (await judge([failing(SAMEPORT, 'failed: succeeded')], [entry()], () => checkDeletedPort(cluster.check, fast)))[0];
  const because = 'listed as known, but the evidence does not put it on the environment: ';

  // kube-proxy left the deleted port's rules behind: the Service's endpoint keeps answering. The cluster's fault.
  const stale = fakeCluster(http('200 OK', 'pod1'));
  expect(await judgedWith(stale)).toMatchObject({
    verdict: 'failed',
    explanation: `${because}from pod execpod, TCP 10.96.7.7:80, after the Service's TCP port 80 was deleted (UDP 80 kept), was still answered by the Service's endpoint pod1 after 0.04 s ("HTTP/1.1 200 OK", body "pod1"): kube-proxy kept the deleted port's rules, the cluster's fault`,
  });
  expect(stale.calls.filter((c) => c === 'probe after').length).toBeGreaterThan(1);
  expect(stale.calls.at(-1)).toBe('tearDown');

  // The deleted port is closed from a pod: the spec's failure is not the interception's.
  expect(await judgedWith(fakeCluster(refused))).toMatchObject({
    verdict: 'failed',
    explanation: `${because}from pod execpod, TCP 10.96.7.7:80, after the Service's TCP port 80 was deleted (UDP 80 kept), got no answer (curl: (7) Failed to connect to 10.96.7.7 port 80 after 1 ms: Couldn't connect to server): the deleted port is closed from a pod here, so nothing on the way answers it`,
  });

  // The Service never answered as its endpoint before the port was deleted: nothing is shown, and the port is not deleted.
  const neverServed = fakeCluster(http('404 Not Found', 'nope'), { before: http('404 Not Found', 'nope') });
  expect(await judgedWith(neverServed)).toMatchObject({
    verdict: 'failed',
    explanation: `${because}no evidence: from pod execpod, TCP 10.96.7.7:80, with the Service's TCP port in place, never answered as its endpoint pod1 in 0.04 s (last: "HTTP/1.1 404 Not Found", body "nope")`,
  });
  expect(neverServed.calls).not.toContain('deleteTcpPort');

  // The pods could not start (or the API refused): no evidence, no excuse; what was made is deleted.
  const noPods = fakeCluster(http('404 Not Found', 'x'), { setUp: new Error('timed out after 120s waiting for pods pod1 and execpod Ready; last seen: pod1=Pending ErrImagePull') });
  expect(await judgedWith(noPods)).toMatchObject({
    verdict: 'failed',
    explanation: `${because}no evidence: the check from a pod could not be made: timed out after 120s waiting for pods pod1 and execpod Ready; last seen: pod1=Pending ErrImagePull`,
  });
  expect(noPods.calls).toEqual(['setUp', 'tearDown']);
});

test("execpod's curl output read: the status line, the server, the body; curl's own words when nothing answered", () => {
  expect(parseCurl(http('404 Not Found', '404 page not found\n', 'keryx'))).toEqual({ exitCode: 0, statusLine: 'HTTP/1.1 404 Not Found', server: 'keryx', body: '404 page not found' });
  expect(parseCurl({ stdout: 'HTTP/1.0 200 OK\n\npod1', stderr: '', exitCode: 0 })).toEqual({ exitCode: 0, statusLine: 'HTTP/1.0 200 OK', body: 'pod1' });
  expect(parseCurl(refused)).toEqual({ exitCode: 7, error: "curl: (7) Failed to connect to 10.96.7.7 port 80 after 1 ms: Couldn't connect to server" });
  expect(parseCurl({ stdout: '', stderr: '', exitCode: 28 })).toEqual({ exitCode: 28, error: 'curl exited 28' });
});

test('the known failures file: the shipped one reads, names its specs exactly, and a malformed entry is one line naming it', () => {
  const shipped = readKnownFailures(resolve(import.meta.dirname, '../suites/conformance/known-failures.yaml'));
  expect(shipped.length).toBeGreaterThan(0);
  for (const k of shipped) expect(k.cause.length).toBeGreaterThan(40);
  // The spec's full name as Ginkgo's report gives it (SIGDescribe's "[sig-network]", the Describe, the It, ConformanceIt's tag).
  const sameport = shipped.find((k) => k.spec === SAMEPORT)!;
  expect(sameport).toBeTruthy();
  expect(sameport.evidence).toEqual({ deletedServicePort: { port: 80 } });
  // The message this spec fails with here (reports/conformance/summary.json of a run on this machine), and not another.
  expect('failed: Timed out after 30.001s. · Expected · <nil>: nil · not to be nil (test/e2e/network/service.go:3853)').toMatch(new RegExp(sameport.failure));
  expect('failed: Timed out after 300.000s. · pod execpod not running (test/e2e/framework/pod/pod.go:120)').not.toMatch(new RegExp(sameport.failure));
  // The spec's UDP wait fails with the same words two dozen lines earlier: that is not the network's TCP answer.
  expect('failed: Timed out after 30.001s. · Expected · <nil>: nil · not to be nil (test/e2e/network/service.go:3830)').not.toMatch(new RegExp(sameport.failure));
  expect(() => parseKnownFailures('- spec: [x\n', 'k.yaml')).toThrow(/^k\.yaml: not YAML: /);
  expect(() => parseKnownFailures('{}', 'k.yaml')).toThrow('k.yaml: expected a list of known failures');
  expect(() => parseKnownFailures('- spec: x\n  failure: y\n', 'k.yaml')).toThrow('k.yaml: entry 1: "cause" is missing');
  expect(() => parseKnownFailures('- spec: x\n  failure: "("\n  cause: c\n', 'k.yaml')).toThrow('k.yaml: entry 1: "failure" is not a regular expression: (');
  expect(() => parseKnownFailures('- spec: x\n  failure: y\n  cause: c\n  evidence: {}\n', 'k.yaml')).toThrow('k.yaml: entry 1: "evidence" needs deletedServicePort: {port}');
  // The host-side probe of an outside address is gone: such an entry is refused, not silently kept.
  expect(() => parseKnownFailures('- spec: x\n  failure: y\n  cause: c\n  evidence: { tcpAnswer: { host: 203.0.113.7, port: 80 } }\n', 'k.yaml')).toThrow('k.yaml: entry 1: "evidence" needs deletedServicePort: {port}');
});

test("progress from Ginkgo's verbose output: the total, each finished spec, the failed ones, the last spec's name without its labels", () => {
  const p = new Progress();
  for (const l of [
    'Will run 84 of 7132 specs',
    '------------------------------',
    '• [7.309 seconds]',
    '[sig-network] DNS should provide DNS for services [Conformance] [sig-network, Conformance]',
    'some log line • with a bullet',
    '• [FAILED] [31.002 seconds]',
    '[sig-network] Services should serve endpoints on same port and different protocols [Conformance] [sig-network, Conformance]',
  ]) p.line(l);
  expect(p.toString()).toBe('2 of 84 specs done, 1 failed · last: [sig-network] Services should serve endpoints on same port and different protocols [Conformance]');
});

test("the test images built here: the e2e registry's agnhost, busybox, httpd, nginx and jessie-dnsutils, under every tag e2e.test lists", () => {
  const listed = [
    'registry.k8s.io/e2e-test-images/agnhost:2.56',
    'registry.k8s.io/e2e-test-images/httpd:2.4.38-4',
    'registry.k8s.io/e2e-test-images/httpd:2.4.39-4',
    'registry.k8s.io/e2e-test-images/kitten:1.7',
    'gcr.io/k8s-authenticated-test/agnhost:2.6',
    'registry.k8s.io/pause:3.10.1',
  ];
  expect(imagesToBuild(listed)).toEqual([
    { tag: 'registry.k8s.io/e2e-test-images/agnhost:2.56', recipe: 'agnhost' },
    { tag: 'registry.k8s.io/e2e-test-images/httpd:2.4.38-4', recipe: 'httpd' },
    { tag: 'registry.k8s.io/e2e-test-images/httpd:2.4.39-4', recipe: 'httpd' },
  ]);
});
