// A class's rollouts under load take turns, one submission at a time (two
// beside each other would disturb each other's measurement). Each turn runs
// in the caller's measurement window (fixtures/measurement-window.ts), and a
// turn asked for while one runs joins that window, up to `perWindow` turns:
// the window drains the running tests once for the submissions graded
// together (usually ready together), and the tests it parked still go before
// the next window, so a window holds them for a bounded time.
import { warn } from '../core/log.ts';

/** A measurement window: `fn` runs apart from other work. */
export type Window = <T>(what: string, fn: () => Promise<T>) => Promise<T>;

interface Turn {
  what: string;
  run: () => Promise<unknown>;
  done: (outcome: { value?: unknown; error?: unknown }) => void;
}

/** Runs the turns one at a time; `window` (none: nothing to hold apart) holds up to `perWindow` turns asked for back to back. */
export function loadTurns(window: Window = (_, fn) => fn(), perWindow = 2): <T>(what: string, run: () => Promise<T>) => Promise<T> {
  const queue: Turn[] = [];
  let open = false;
  const openWindow = () => {
    open = true;
    let started = false;
    const batch = async () => {
      started = true;
      for (let ran = 0; queue.length && ran < perWindow; ran++) {
        const turn = queue.shift()!;
        try {
          turn.done({ value: await turn.run() });
        } catch (error) {
          turn.done({ error });
        }
      }
      // In the same tick as the last look at the queue: a turn asked for from now on opens a window of its own,
      // and turns left over (more than perWindow) open the next one, which the tests this one parked go before.
      open = false;
      if (queue.length) openWindow();
    };
    Promise.resolve()
      .then(() => window(queue[0].what, batch))
      .catch((error: unknown) => {
        // Once opened, every turn has its own outcome: only a failure to release the window is left to say.
        if (started) return warn(`measurement window: ${(error as Error).message}`);
        // The window could not be opened: the turns waiting for it fail with its reason.
        open = false;
        for (const turn of queue.splice(0)) turn.done({ error });
      });
  };
  return <T>(what: string, run: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ what, run, done: (o) => ('error' in o ? reject(o.error) : resolve(o.value as T)) });
      if (!open) openWindow();
    });
}
