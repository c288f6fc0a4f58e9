import type { ServerResponse } from "node:http";

/**
 * Answers the sandbox holds back for `delayNext` faults. Each hold is a timer, so other requests go on being served;
 * a hold ends early when its client disconnects (nothing is waiting any more), and `dropAll` ends every hold by
 * destroying its connection, so closing the sandbox neither waits for nor leaves behind pending timers.
 */
export class HeldAnswers {
  readonly #holds = new Set<(drop: boolean) => void>();

  /** Resolves after `ms`, or once the client has gone away; `res` is destroyed instead if the sandbox closes first. */
  hold(ms: number, res: ServerResponse): Promise<void> {
    return new Promise((resolve) => {
      const end = (drop: boolean) => {
        clearTimeout(timer);
        res.off("close", onClose);
        this.#holds.delete(end);
        if (drop) res.destroy();
        resolve();
      };
      const onClose = () => end(false);
      const timer = setTimeout(() => end(false), ms);
      res.once("close", onClose);
      this.#holds.add(end);
    });
  }

  get size(): number {
    return this.#holds.size;
  }

  dropAll(): void {
    for (const end of [...this.#holds]) end(true);
  }
}
