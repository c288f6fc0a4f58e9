import type { DeadLetter } from "@igdm/contracts";
import { token } from "./test-events.js";

/*
 * Test support: dead letters as the runner publishes them, and messages of the DLQ stream as the dead-letter
 * consumer receives them.
 */

/** The ciphertext inside the dead-lettered event below. */
export const DEAD_TOKEN = token("dead-letter-secret");

/** An account event carrying a ciphertext, as a persister would dead-letter it. */
export const deadEventPayload = JSON.stringify({
  v: 1,
  kind: "user_connected",
  id: "user_connected:1",
  userId: "10220000000000001",
  accessTokenEnc: DEAD_TOKEN,
});

export function deadLetter(o: Partial<DeadLetter> & { payloadText?: string } = {}): DeadLetter {
  const { payloadText, ...rest } = o;
  return {
    v: 1,
    service: "persister",
    stream: "EVENTS",
    consumer: "persister-events",
    subject: "igdm.events.user_connected",
    streamSeq: 42,
    deliveryCount: 3,
    reason: "database error 23502: null value in column",
    failedAt: "2026-11-28T10:00:00.000Z",
    payload: Buffer.from(payloadText ?? deadEventPayload).toString("base64"),
    ...rest,
  };
}

export const STORED_AT = new Date("2026-11-28T10:00:05.000Z");

/** One DLQ stream message: the bytes of a dead letter (or anything else). */
export function dlqMessage(dlqSeq: number, body: DeadLetter | string | Uint8Array, service = "persister") {
  const bytes =
    body instanceof Uint8Array ? body : Buffer.from(typeof body === "string" ? body : JSON.stringify(body), "utf8");
  return { dlqSeq, subject: `igdm.dlq.${service}`, bytes, storedAt: STORED_AT };
}
