/** A failure the simulate command explains to the person running it (printed without a stack trace). */
export class SimulateError extends Error {
  override name = "SimulateError";
}

/** A bad flag or variable: the usage is printed with it. */
export class UsageError extends SimulateError {
  override name = "UsageError";
}

/** Nothing appeared within the timeout (as opposed to a view that could not be read at all). */
export class WaitTimedOut extends SimulateError {
  override name = "WaitTimedOut";
}
