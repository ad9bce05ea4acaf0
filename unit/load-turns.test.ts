import { expect, test } from '@playwright/test';
import { loadTurns, type Window } from '../lib/grading/load-turns.ts';

/** A promise with its resolve handle. */
function gate<T = void>() {
  let open!: (v: T) => void;
  const p = new Promise<T>((r) => (open = r));
  return { p, open };
}

/** A window that records what it held, and which turns ran inside each hold. */
function recordingWindow() {
  const holds: string[][] = [];
  let current: string[] | undefined;
  const window: Window = async (what, fn) => {
    current = [what];
    holds.push(current);
    try {
      return await fn();
    } finally {
      current = undefined;
    }
  };
  const ran = (name: string) => {
    if (!current) throw new Error(`${name} ran outside a window`);
    current.push(name);
  };
  return { window, holds, ran };
}

test('load turns: one at a time; a turn asked for while one runs joins its window; a turn after it opens a new one', async () => {
  const { window, holds, ran } = recordingWindow();
  const turn = loadTurns(window);
  const aGate = gate();
  let running = 0;
  let most = 0;
  const job = (name: string, wait?: Promise<void>) => async () => {
    running++;
    most = Math.max(most, running);
    ran(name);
    await wait;
    running--;
    return name;
  };
  const a = turn('a', job('a', aGate.p));
  const b = turn('b', job('b'));
  aGate.open();
  expect(await Promise.all([a, b])).toEqual(['a', 'b']);
  expect(await turn('c', job('c'))).toBe('c');
  expect(most, 'never two at once').toBe(1);
  expect(holds).toEqual([['a', 'a', 'b'], ['c', 'c']]);
});

test('load turns: a failing turn fails alone, the next still runs in the window; a window that cannot open fails the turns waiting for it', async () => {
  const { window, holds, ran } = recordingWindow();
  const turn = loadTurns(window);
  const failing = turn('a', async () => {
    ran('a');
    throw new Error('a broke');
  });
  const next = turn('b', async () => (ran('b'), 'b'));
  await expect(failing).rejects.toThrow('a broke');
  expect(await next).toBe('b');
  expect(holds).toEqual([['a', 'a', 'b']]);

  let refuse = true;
  const refused = loadTurns(async (_, fn) => {
    if (refuse) throw new Error('no window');
    return fn();
  });
  const [x, y] = await Promise.allSettled([refused('x', async () => 'x'), refused('y', async () => 'y')]);
  expect([x, y].map((r) => (r.status === 'rejected' ? (r.reason as Error).message : r.value))).toEqual(['no window', 'no window']);
  // The next turn opens a window anew.
  refuse = false;
  expect(await refused('z', async () => 'z')).toBe('z');
});

test('load turns: a window holds at most perWindow turns; those left over open the next one', async () => {
  const { window, holds, ran } = recordingWindow();
  const turn = loadTurns(window, 2);
  const g = gate();
  const job = (name: string, wait?: Promise<void>) => async () => {
    ran(name);
    await wait;
    return name;
  };
  const all = Promise.all([turn('a', job('a', g.p)), turn('b', job('b')), turn('c', job('c'))]);
  g.open();
  expect(await all).toEqual(['a', 'b', 'c']);
  expect(holds).toEqual([['a', 'a', 'b'], ['c', 'c']]);
});

test('load turns without a window: still one at a time', async () => {
  const turn = loadTurns();
  const order: string[] = [];
  const g = gate();
  const a = turn('a', async () => {
    order.push('a start');
    await g.p;
    order.push('a end');
  });
  const b = turn('b', async () => {
    order.push('b');
  });
  g.open();
  await Promise.all([a, b]);
  expect(order).toEqual(['a start', 'a end', 'b']);
});
