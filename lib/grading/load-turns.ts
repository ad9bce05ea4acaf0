// A class's rollouts under load take turns, one submission at a time (two
// beside each other would disturb each other's measurement). Each turn runs
// in the caller's measurement window (fixtures/measurement-window.ts), and a
// turn asked for while one runs joins that window: the window opens once,
// when the tests running then have ended, rather than once per submission
// (with two submissions graded at a time, theirs are usually ready together).

/** A measurement window: `fn` runs apart from other work. */
export type Window = <T>(what: string, fn: () => Promise<T>) => Promise<T>;

interface Turn {
  run: () => Promise<unknown>;
  done: (outcome: { value?: unknown; error?: unknown }) => void;
}

/** Runs the turns one at a time; `window` (none: nothing to hold apart) holds each batch of turns asked for back to back. */
export function loadTurns(window: Window = (_, fn) => fn()): <T>(what: string, run: () => Promise<T>) => Promise<T> {
  const queue: Turn[] = [];
  let open = false;
  return <T>(what: string, run: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ run, done: (o) => ('error' in o ? reject(o.error) : resolve(o.value as T)) });
      if (open) return;
      open = true;
      let started = false;
      const batch = async () => {
        started = true;
        while (queue.length) {
          const turn = queue.shift()!;
          try {
            turn.done({ value: await turn.run() });
          } catch (error) {
            turn.done({ error });
          }
        }
        // In the same tick as the last look at the queue: a turn asked for from now on opens a window of its own.
        open = false;
      };
      window(what, batch).catch((error: unknown) => {
        // The window could not be opened: the turns waiting for it fail with its reason. (Once opened, every turn has its own outcome.)
        if (started) return;
        open = false;
        for (const turn of queue.splice(0)) turn.done({ error });
      });
    });
}
