import { createLogger, serveRpc } from "@igdm/runtime";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { z } from "zod";

const log = createLogger({ service: "stand-in", level: "silent" });

/**
 * Plays another service's side of a request/reply on the real NATS: answers `answer` to every request and keeps
 * what was asked in `seen`, so a test can check what ingress relayed.
 */
export async function standInResponder<Req extends z.ZodType, Rep extends z.ZodType>(opts: {
  nc: NatsConnection;
  subject: string;
  request: Req;
  reply: Rep;
  answer: z.input<Rep>;
  seen: unknown[];
}): Promise<Subscription> {
  const sub = serveRpc({
    nc: opts.nc,
    subject: opts.subject,
    queue: "stand-in",
    request: opts.request,
    reply: opts.reply,
    log,
    handle: async (req) => {
      opts.seen.push(req);
      return opts.answer;
    },
  });
  await opts.nc.flush();
  return sub;
}

/** A service that is subscribed but never answers (hung or overloaded): callers time out instead of failing fast. */
export async function silentResponder(
  nc: NatsConnection,
  subject: string,
  seen: unknown[] = [],
): Promise<Subscription> {
  const sub = nc.subscribe(subject, {
    queue: "stand-in",
    callback: (_err, m) => {
      seen.push(m.json());
    },
  });
  await nc.flush();
  return sub;
}
