/**
 * A promise shared by every caller in one turn of the event loop, resolved in that turn's check phase
 * (setImmediate). nats.js writes its outbound buffer to the socket in a microtask after the first command it
 * queues, so publishes started from separate HTTP requests (separate I/O callbacks) each cost a socket write of
 * their own; started together once this resolves, a turn's publishes leave in one write. The wait is one pass of
 * the event loop, however busy: nothing waits for a batch to fill.
 */
export function sameTurn(): () => Promise<void> {
  let turn: Promise<void> | undefined;
  return () => {
    turn ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        turn = undefined;
        resolve();
      }),
    );
    return turn;
  };
}
