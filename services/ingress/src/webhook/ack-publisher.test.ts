import { connectTestNats, type NatsServerHandle, readStream, startNatsServer, uniqueNamespace } from "@igdm/testkit";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { JetStreamAckPublisher } from "./ack-publisher.js";

const INBOX = "_INBOX_ack-publisher-test";
const bytes = (s: string) => Buffer.from(s);
let nc: NatsConnection;
let stream: string;
let publisher: JetStreamAckPublisher;

beforeAll(async () => {
  nc = await connectTestNats();
  stream = uniqueNamespace("ACKPUB").toUpperCase();
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: stream, subjects: [`${stream}.>`], max_msg_size: 1024 });
  publisher = new JetStreamAckPublisher(nc, INBOX, 2000);
});

afterAll(async () => {
  publisher.close();
  await (await jetstreamManager(nc)).streams.delete(stream);
  await nc.close();
});

describe("JetStreamAckPublisher", () => {
  it("resolves with the stream's ack, and flags a repeated message id as a duplicate of the first", async () => {
    const first = await publisher.publish(`${stream}.a`, bytes("one"), "id-one");
    expect(first).toEqual({ stream, seq: expect.any(Number), duplicate: false });
    const again = await publisher.publish(`${stream}.a`, bytes("one, retried"), "id-one");
    expect(again).toEqual({ stream, seq: first.seq, duplicate: true });
    const stored = await readStream(nc, stream);
    expect(
      stored.filter((m) => m.headers["Nats-Msg-Id"]?.[0] === "id-one").map((m) => Buffer.from(m.data).toString()),
    ).toEqual(["one"]);
  });

  it("gives every publish of a burst its own ack, each naming the message it stored", async () => {
    const ids = Array.from({ length: 200 }, (_, i) => `burst-${i}`);
    const acks = await Promise.all(ids.map((id) => publisher.publish(`${stream}.burst`, bytes(id), id)));
    expect(new Set(acks.map((a) => a.seq)).size).toBe(ids.length);
    const bySeq = new Map((await readStream(nc, stream)).map((m) => [m.seq, Buffer.from(m.data).toString()]));
    expect(acks.map((a) => bySeq.get(a.seq))).toEqual(ids);
  });

  it("rejects when no stream takes the subject", async () => {
    await expect(publisher.publish(`${stream}_NONE.x`, bytes("lost"), "id-none")).rejects.toThrow(/no responders/);
  });

  it("rejects with JetStream's reason when the stream refuses the message", async () => {
    await expect(publisher.publish(`${stream}.big`, Buffer.alloc(4096, 97), "id-big")).rejects.toThrow(
      /JetStream refused the publish: .*size/i,
    );
  });
});

describe("JetStreamAckPublisher with a broker that never answers", () => {
  let server: NatsServerHandle | undefined;
  let own: NatsConnection | undefined;
  afterEach(async () => {
    server?.resume();
    await own?.close();
    await server?.dispose();
    server = undefined;
    own = undefined;
  });

  async function hungBroker() {
    server = await startNatsServer();
    own = await connectTestNats(server.url);
    await (await jetstreamManager(own)).streams.add({ name: "HUNG", subjects: ["hung.>"] });
    await server.pause();
    return own;
  }

  it("rejects a publish that is not acknowledged in time", async () => {
    const p = new JetStreamAckPublisher(await hungBroker(), INBOX, 200);
    await expect(p.publish("hung.x", bytes("x"), "id-hung")).rejects.toThrow(/no JetStream ack within 200 ms/);
    p.close();
  });

  it("rejects the publishes still waiting when closed", async () => {
    const p = new JetStreamAckPublisher(await hungBroker(), INBOX, 60_000);
    const waiting = p.publish("hung.x", bytes("x"), "id-closed");
    p.close();
    await expect(waiting).rejects.toThrow(/closed before the ack/);
  });
});
