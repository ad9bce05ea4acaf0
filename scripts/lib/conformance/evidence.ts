// Evidence probes for the known environment failures: each observes, on this
// run, the machine's behaviour an entry blames, so that the same failure on a
// machine without it is not excused.
import { connect } from 'node:net';
import type { Evidence, Observed } from './results.ts';

/**
 * tcpAnswer: connects to host:port, an address no one should hold (a
 * documentation range), sends an HTTP request and reads what comes back.
 * It holds when the connection is accepted: a Service port that no longer
 * exists would then "connect" too.
 */
export function observe(e: Evidence, timeoutMs = 5000): Promise<Observed> {
  const { host, port } = e.tcpAnswer;
  const where = `TCP ${host}:${port}`;
  return new Promise((resolve) => {
    let answer = '';
    let accepted = false;
    const socket = connect({ host, port, timeout: timeoutMs });
    const done = (o: Observed) => {
      socket.destroy();
      resolve(o);
    };
    socket.on('connect', () => {
      accepted = true;
      socket.write(`GET / HTTP/1.0\r\nHost: ${host}\r\n\r\n`);
    });
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('timeout', () => done(accepted ? answered(where, answer) : { holds: false, detail: `${where}: no answer in ${timeoutMs / 1000} s (nothing on the way answers it)` }));
    socket.on('error', (err: NodeJS.ErrnoException) => done(accepted ? answered(where, answer) : { holds: false, detail: `${where}: ${err.code ?? err.message} (nothing on the way answers it)` }));
    socket.on('close', () => done(accepted ? answered(where, answer) : { holds: false, detail: `${where}: closed without connecting` }));
  });
}

function answered(where: string, answer: string): Observed {
  const status = answer.split('\r\n')[0];
  const server = /^server:\s*(.*)$/im.exec(answer)?.[1]?.trim();
  const what = status ? `"${status}"${server ? `, server: ${server}` : ''}` : 'no bytes';
  return { holds: true, detail: `${where}, an address no one holds, accepted the connection and answered ${what}` };
}
