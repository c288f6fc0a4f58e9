import { connect } from "node:net";

export interface RawHttpResult {
  /** The status of the first response, if one arrived before the connection closed. */
  status?: number;
  /** Lower-cased names; a repeated header's values joined with ", ". */
  headers: Record<string, string>;
  /** The response body, de-chunked, as UTF-8. */
  body: string;
  /** The whole answer as received, status line and headers included (for scanning). */
  raw: string;
  /** Everything the server sent, as bytes. */
  received: Buffer;
  /** Whether every byte of the request was written before the server closed the connection. */
  sentAll: boolean;
}

export interface RawHttpOptions {
  host?: string;
  /**
   * A slow client: writes the first `first` bytes at once, then pieces of `size` bytes `intervalMs` apart, and goes
   * silent (connection left open) once `stopAt` bytes are out, if given.
   */
  slow?: { first: number; size: number; intervalMs: number; stopAt?: number };
  /** Give up after this long (the server never answered nor closed). */
  timeoutMs?: number;
}

/** Joins the lines of a request head with CRLF and ends it; the body follows as given. */
export function rawRequest(head: string[], body: string | Buffer = ""): Buffer {
  return Buffer.concat([Buffer.from(`${head.join("\r\n")}\r\n\r\n`, "latin1"), Buffer.from(body)]);
}

/**
 * Writes request bytes exactly as given over a fresh TCP connection (send `Connection: close`) and reads until the
 * server closes it. For what an HTTP client would normalise away: header case and repeats, chunking, broken heads,
 * and clients too slow to finish. A reset counts as a close: what arrived before it is kept.
 */
export function sendRawHttp(port: number, request: Buffer, opts: RawHttpOptions = {}): Promise<RawHttpResult> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: opts.host ?? "127.0.0.1" });
    const chunks: Buffer[] = [];
    let sentAll = false;
    let timer: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer and no close within ${opts.timeoutMs ?? 15_000} ms`));
    }, opts.timeoutMs ?? 15_000);
    socket.on("data", (c) => chunks.push(c));
    socket.on("error", () => {}); // EPIPE/ECONNRESET: the server hung up; "close" follows.
    socket.on("close", () => {
      clearTimeout(giveUp);
      clearTimeout(timer);
      resolve({ ...parseAnswer(Buffer.concat(chunks)), sentAll });
    });
    socket.on("connect", () => {
      const slow = opts.slow;
      const end = Math.min(slow?.stopAt ?? request.length, request.length);
      let at = 0;
      const write = (upTo: number) => {
        if (socket.destroyed) return;
        const piece = request.subarray(at, upTo);
        at = upTo;
        socket.write(piece, (err) => {
          if (err) return;
          if (at >= request.length) sentAll = true;
          else if (slow && at < end) timer = setTimeout(() => write(Math.min(at + slow.size, end)), slow.intervalMs);
        });
      };
      write(slow ? Math.min(slow.first, end) : request.length);
    });
  });
}

function parseAnswer(received: Buffer): Omit<RawHttpResult, "sentAll"> {
  const raw = received.toString("utf8");
  const split = received.indexOf("\r\n\r\n");
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(received.subarray(0, 16).toString("latin1"));
  const headers: Record<string, string> = {};
  if (split < 0) return { ...(match ? { status: Number(match[1]) } : {}), headers, body: "", raw, received };
  const [, ...lines] = received.subarray(0, split).toString("latin1").split("\r\n");
  for (const line of lines) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const rest = received.subarray(split + 4);
  const body = headers["transfer-encoding"] === "chunked" ? decodeChunked(rest) : rest;
  return { ...(match ? { status: Number(match[1]) } : {}), headers, body: body.toString("utf8"), raw, received };
}

function decodeChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf("\r\n", at);
    if (lineEnd < 0) break;
    const size = Number.parseInt(body.subarray(at, lineEnd).toString("latin1"), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
