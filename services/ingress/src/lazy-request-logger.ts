import type { Logger } from "@igdm/runtime";
import type { FastifyBaseLogger, FastifyServerOptions } from "fastify";

type Level = "fatal" | "error" | "warn" | "info" | "debug" | "trace";
type Bindings = Record<string, unknown>;

/**
 * A request's logger that becomes pino's child (with the request's id) only when the request logs a line at an
 * enabled level. fastify builds that child for every request, logging or not, and with pino's redaction building
 * one costs a few microseconds: profiled, a few per cent of ingress's time per webhook, which logs nothing when
 * it goes well. The lines written are the same, through the same child.
 */
class LazyRequestLogger {
  #child: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
  ) {}

  get level(): string {
    return this.#child?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.#real().level = level;
  }

  fatal(...args: unknown[]): void {
    this.#log("fatal", args);
  }
  error(...args: unknown[]): void {
    this.#log("error", args);
  }
  warn(...args: unknown[]): void {
    this.#log("warn", args);
  }
  info(...args: unknown[]): void {
    this.#log("info", args);
  }
  debug(...args: unknown[]): void {
    this.#log("debug", args);
  }
  trace(...args: unknown[]): void {
    this.#log("trace", args);
  }
  silent(): void {}

  isLevelEnabled(level: string): boolean {
    return (this.#child ?? this.parent).isLevelEnabled(level);
  }

  child(bindings: Bindings, options?: object): Logger {
    return this.#real().child(bindings, options);
  }

  #log(level: Level, args: unknown[]): void {
    if (!this.isLevelEnabled(level)) return;
    (this.#real()[level] as (...a: unknown[]) => void)(...args);
  }

  #real(): Logger {
    this.#child ??= this.parent.child(this.bindings);
    return this.#child;
  }
}

/** fastify's `childLoggerFactory`: lazy children, or pino's own when a route asks for options (a log level). */
export const lazyRequestLoggers: NonNullable<FastifyServerOptions["childLoggerFactory"]> = (
  parent,
  bindings,
  options,
) => {
  const pinoParent = parent as unknown as Logger;
  if (options.level !== undefined || options.serializers !== undefined) {
    return pinoParent.child(bindings, options) as FastifyBaseLogger;
  }
  return new LazyRequestLogger(pinoParent, bindings) as unknown as FastifyBaseLogger;
};
