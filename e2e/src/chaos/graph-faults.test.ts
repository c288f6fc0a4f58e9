import { metaErrors } from "@igdm/meta-sandbox";
import { waitFor } from "@igdm/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChaosStack, startChaosStack } from "./chaos-stack.js";

const TOTAL = 2000;
/** The Send API: where a Meta outage hurts replies. */
const SEND = { method: "POST", path: /\/messages$/ };
let stack: ChaosStack;

/**
 * The responder gives up on an answer after GRAPH_TIMEOUT_MS; the sandbox's slow answers take LATE_MS. The timeout
 * leaves room for the sandbox (in this busy test process) to answer up to a hundred concurrent sends (the
 * responder's default five batches of twenty) in time: a second was too little on a loaded CI machine.
 */
const GRAPH_TIMEOUT_MS = 4000;
const LATE_MS = 8000;

beforeAll(async () => {
  stack = await startChaosStack({ env: { GRAPH_TIMEOUT_MS: String(GRAPH_TIMEOUT_MS) } });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

/** Send API calls the sandbox has seen, answered or not. */
const sendCalls = () =>
  stack.sandbox.state.requests.filter((r) => r.method === "POST" && SEND.path.test(r.path)).length;

describe("the Graph API failing in bursts while replies flow", () => {
  it("retries what Meta refused, never sends twice what Meta answered late, and owes no reply", async () => {
    const prefix = "mid.chaos.graph.";
    const load = stack.load(prefix, { total: TOTAL });
    const bursts: Array<() => void> = [
      () => stack.sandbox.state.failNext(SEND, { ...metaErrors.sendRateLimit, times: 100 }),
      () => stack.sandbox.state.failNext(SEND, { ...metaErrors.serverTemporary, times: 100 }),
      // Meta delivered these but answered after the responder stopped waiting: the duplicate trap.
      () => stack.sandbox.state.delayNext(SEND, { ms: LATE_MS, times: 20, deliver: true }),
      () => stack.sandbox.state.failNext(SEND, { ...metaErrors.rateLimit, times: 100 }),
    ];
    for (const [i, burst] of bursts.entries()) {
      await load.reached((TOTAL * (i + 1)) / (bursts.length + 1));
      burst();
    }
    const deliveries = await load.done;
    await stack.settle();
    expect(stack.sandbox.state.pendingFaults).toHaveLength(0);

    const report = await stack.check("Graph API 613/500/code-4 bursts and late answers", deliveries, {
      midPrefix: prefix,
    });
    expect(await stack.leakedSecrets()).toEqual([]);
    expect(report.events).toEqual({ lost: 0, duplicated: 0, unexpected: 0 });
    // The 20 late answers were delivered: recorded as failed with no answer, yet every person has exactly one reply.
    // A send the loaded machine made time out besides them is the same case (recorded, never retried), so it is
    // accounted for rather than forbidden: every person is answered once or recorded failed with no answer.
    const replies = report.replies;
    if (!replies) throw new Error("the no-loss checker counted no replies");
    expect(replies).toMatchObject({ expected: TOTAL, lost: 0, duplicated: 0 });
    expect(replies.deliveredButRecordedFailed).toBeGreaterThanOrEqual(20);
    expect(replies.atMeta + replies.outcomeUnknown).toBe(TOTAL);
    const noAnswer = await stack.pipeline.db.sql`
      select count(*)::int as n from outbound_sends where status = 'failed' and reason like 'no answer from Meta%'`;
    expect(noAnswer[0]!.n).toBe(replies.deliveredButRecordedFailed + replies.outcomeUnknown);
  });

  it("reports a send Meta never answered as failed and does not retry it", async () => {
    const prefix = "mid.chaos.hang.";
    // Requests that never reach Meta: the connection is dropped, past the responder's timeout, without an answer.
    stack.sandbox.state.delayNext(SEND, { ms: LATE_MS, times: 10, deliver: false });
    const callsBefore = sendCalls();
    const deliveries = await stack.load(prefix, { total: 10, concurrency: 10 }).done;
    await stack.settle();
    const report = await stack.check("Graph API never answering", deliveries, { midPrefix: prefix });
    expect(await stack.leakedSecrets()).toEqual([]);
    expect(report.events).toEqual({ lost: 0, duplicated: 0, unexpected: 0 });
    // Unknown outcome, recorded and never retried: better one missed reply than a person messaged twice.
    expect(report.replies).toMatchObject({ expected: 10, atMeta: 0, lost: 0, duplicated: 0, outcomeUnknown: 10 });
    await waitFor(async () => stack.sandbox.state.heldAnswers === 0, { what: "held answers dropped" });
    expect(sendCalls() - callsBefore).toBe(10);
  });
});
