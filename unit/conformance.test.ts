import { createServer, type Server, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { observe } from '../scripts/lib/conformance/evidence.ts';
import { counts, judge, parseGinkgoReport, parseKnownFailures, readKnownFailures, type Evidence, type KnownFailure, type SpecResult } from '../scripts/lib/conformance/results.ts';
import { Progress } from '../scripts/lib/conformance/run.ts';
import { imagesToBuild } from '../scripts/lib/conformance/tools.ts';

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
const entry = (over: Partial<KnownFailure> = {}): KnownFailure => ({
  spec: 'same port and different protocols',
  failure: 'succeeded',
  cause: 'The network answers.',
  evidence: { tcpAnswer: { host: '203.0.113.7', port: 80 } },
  ...over,
});

test('a known failure is the environment\'s only with its own message and its evidence holding on this run; anything else fails', async () => {
  const results: SpecResult[] = [
    { name: 'a passing spec', state: 'passed', seconds: 1 },
    failing('[sig-network] Services should serve endpoints on same port and different protocols', 'failed: connection succeeded'),
    failing('[sig-network] DNS should provide DNS for services', 'failed: timed out'),
  ];
  let probes = 0;
  const holds = async (e: Evidence) => (probes++, { holds: true, detail: `TCP ${e.tcpAnswer.host}:${e.tcpAnswer.port} answered` });
  const judged = await judge(results, [entry()], holds);
  expect(judged.map((j) => j.verdict)).toEqual(['passed', 'known', 'failed']);
  expect(judged[1].explanation).toBe('The network answers. Evidence on this run: TCP 203.0.113.7:80 answered.');
  expect(counts(judged)).toEqual({ passed: 1, failed: 1, known: 1, skipped: 0 });

  // The same failure where the evidence does not hold (another machine) is a failure, saying why.
  const elsewhere = await judge(results, [entry()], async () => ({ holds: false, detail: 'TCP 203.0.113.7:80: ECONNREFUSED' }));
  expect(elsewhere[1]).toMatchObject({ verdict: 'failed', explanation: 'listed as known, but its evidence does not hold here: TCP 203.0.113.7:80: ECONNREFUSED' });

  // The listed spec failing otherwise than the entry explains is a failure, and the evidence is not even probed.
  probes = 0;
  const otherwise = await judge([failing('[sig-network] Services should serve endpoints on same port and different protocols', 'failed: pod never started')], [entry()], holds);
  expect(otherwise[0]).toMatchObject({ verdict: 'failed', explanation: 'listed as known, but failed otherwise than it explains (expected /succeeded/)' });
  expect(probes).toBe(0);

  // Two entries for one spec: the one whose message matches explains it.
  const two = await judge([failing('z same port and different protocols', 'failed: udp timed out')], [entry(), entry({ failure: 'udp', cause: 'The UDP cause.' })], holds);
  expect(two[0]).toMatchObject({ verdict: 'known', explanation: expect.stringMatching(/^The UDP cause\. /) });

  // One probe per entry, however many specs it explains.
  probes = 0;
  await judge([failing('x same port and different protocols', 'succeeded'), failing('y same port and different protocols', 'succeeded')], [entry()], holds);
  expect(probes).toBe(1);
});

test('the known failures file: the shipped one reads, and a malformed entry is one line naming it', () => {
  const shipped = readKnownFailures(resolve(import.meta.dirname, '../suites/conformance/known-failures.yaml'));
  expect(shipped.length).toBeGreaterThan(0);
  for (const k of shipped) expect(k.cause.length).toBeGreaterThan(40);
  // The message this spec fails with here (reports/conformance/summary.json of a run on this machine), and not another.
  const sameport = shipped.find((k) => k.spec.includes('same port and different protocols'))!;
  expect('failed: Timed out after 30.001s. · Expected · <nil>: nil · not to be nil (test/e2e/network/service.go:3853)').toMatch(new RegExp(sameport.failure));
  expect('failed: Timed out after 300.000s. · pod execpod not running (test/e2e/framework/pod/pod.go:120)').not.toMatch(new RegExp(sameport.failure));
  // The spec's UDP wait fails with the same words two dozen lines earlier: that is not the network's TCP answer.
  expect('failed: Timed out after 30.001s. · Expected · <nil>: nil · not to be nil (test/e2e/network/service.go:3830)').not.toMatch(new RegExp(sameport.failure));
  expect(() => parseKnownFailures('- spec: [x\n', 'k.yaml')).toThrow(/^k\.yaml: not YAML: /);
  expect(() => parseKnownFailures('{}', 'k.yaml')).toThrow('k.yaml: expected a list of known failures');
  expect(() => parseKnownFailures('- spec: x\n  failure: y\n', 'k.yaml')).toThrow('k.yaml: entry 1: "cause" is missing');
  expect(() => parseKnownFailures('- spec: x\n  failure: "("\n  cause: c\n', 'k.yaml')).toThrow('k.yaml: entry 1: "failure" is not a regular expression: (');
  expect(() => parseKnownFailures('- spec: x\n  failure: y\n  cause: c\n  evidence: {}\n', 'k.yaml')).toThrow('k.yaml: entry 1: "evidence" needs tcpAnswer: {host, port}');
});

test('the tcpAnswer evidence, on real sockets: holds where something accepts and answers, not where the port is closed', async () => {
  const sockets: Socket[] = [];
  const server: Server = createServer((s) => {
    sockets.push(s);
    s.end('HTTP/1.0 426 Upgrade Required\r\nserver: keryx\r\n\r\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    const answered = await observe({ tcpAnswer: { host: '127.0.0.1', port } });
    expect(answered).toEqual({ holds: true, detail: `TCP 127.0.0.1:${port}, an address no one holds, accepted the connection and answered "HTTP/1.0 426 Upgrade Required", server: keryx` });
  } finally {
    sockets.forEach((s) => s.destroy());
    await new Promise((r) => server.close(r));
  }
  const closed = await observe({ tcpAnswer: { host: '127.0.0.1', port } });
  expect(closed).toEqual({ holds: false, detail: `TCP 127.0.0.1:${port}: ECONNREFUSED (nothing on the way answers it)` });
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
