import { topology } from "@igdm/contracts";
import { connectTestNats, deleteNamespaceStreams } from "@igdm/testkit";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll } from "vitest";
import type { z } from "zod";
import { type IngressUnderTest, startIngress } from "./ingress-harness.js";
import { silentResponder, standInResponder } from "./stand-in-responder.js";

export interface IngressWithStandIns {
  readonly ingress: IngressUnderTest;
  readonly nc: NatsConnection;
  /** The admin app; throws unless started with `admin: true`. */
  readonly admin: FastifyInstance;
  /** Every request a stand-in received, emptied after each test. */
  readonly seen: unknown[];
  /** The RPC subject of another service's `operation` on this ingress's namespace. */
  subject(service: string, operation: string): string;
  /** Answers `answer` to every request on `subject` until the test ends. */
  stand<Req extends z.ZodType, Rep extends z.ZodType>(
    subject: string,
    request: Req,
    reply: Rep,
    answer: z.input<Rep>,
  ): Promise<void>;
  /** Subscribes to `subject` but never answers, until the test ends. */
  silent(subject: string): Promise<void>;
  /** Takes every stand-in down now (also done after each test). */
  clear(): Promise<void>;
}

/**
 * Starts one ingress and a NATS connection for the file's tests, in which other services' sides are played by
 * stand-ins that live for one test.
 */
export function useIngressWithStandIns(options: Parameters<typeof startIngress>[0] = {}): IngressWithStandIns {
  let ingress: IngressUnderTest | undefined;
  let nc: NatsConnection | undefined;
  let subs: Subscription[] = [];
  const seen: unknown[] = [];
  const built = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} not built`);
    return value;
  };

  const clear = async () => {
    for (const s of subs) s.unsubscribe();
    subs = [];
    // The server must have seen the unsubscribes before the next request: otherwise it still routes that request
    // to a stand-in that is gone, and the caller waits out its timeout instead of getting "no responders" at once.
    await nc?.flush();
  };

  beforeAll(async () => {
    nc = await connectTestNats();
    ingress = await startIngress(options);
  });
  afterEach(async () => {
    await clear();
    seen.length = 0;
  });
  afterAll(async () => {
    if (ingress) await ingress.close();
    if (nc && ingress) await deleteNamespaceStreams(nc, ingress.namespace);
    await nc?.close();
  });

  const self: IngressWithStandIns = {
    get ingress() {
      return built(ingress, "ingress");
    },
    get nc() {
      return built(nc, "NATS connection");
    },
    get admin() {
      return built(self.ingress.admin, "admin app");
    },
    seen,
    subject: (service, operation) => topology(self.ingress.namespace).subjects.rpc(service, operation),
    stand: async (subject, request, reply, answer) => {
      subs.push(await standInResponder({ nc: self.nc, subject, request, reply, answer, seen }));
    },
    silent: async (subject) => {
      subs.push(await silentResponder(self.nc, subject, seen));
    },
    clear,
  };
  return self;
}
