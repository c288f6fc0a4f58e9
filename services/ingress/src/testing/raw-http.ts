import { connect } from "node:net";

export interface RawResponse {
  status: number;
  /** Lower-cased names; a repeated header's values joined with ", ". */
  headers: Record<string, string>;
  body: string;
  /** The whole answer as received, status line and headers included (for scanning). */
  raw: string;
}

/** Joins the lines of a request head with CRLF and ends it; the body follows as given. */
export function rawRequest(head: string[], body: string | Buffer = ""): Buffer {
  return Buffer.concat([Buffer.from(`${head.join("\r\n")}\r\n\r\n`, "latin1"), Buffer.from(body)]);
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

/**
 * Sends bytes exactly as given over a fresh TCP connection and reads the answer until the server closes it (send
 * `Connection: close`). For what an HTTP client would normalise away: header case, repeated headers, chunking.
 */
export function sendRaw(port: number, request: Buffer, host = "127.0.0.1"): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host });
    const chunks: Buffer[] = [];
    socket.setTimeout(15_000, () => socket.destroy(new Error("no answer within 15 s")));
    socket.on("data", (c) => chunks.push(c));
    socket.on("error", reject);
    socket.on("end", () => {
      const all = Buffer.concat(chunks);
      const split = all.indexOf("\r\n\r\n");
      if (split < 0) return reject(new Error(`not an HTTP answer: ${JSON.stringify(all.toString("latin1"))}`));
      const [statusLine = "", ...lines] = all.subarray(0, split).toString("latin1").split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
      }
      const rest = all.subarray(split + 4);
      const body = headers["transfer-encoding"] === "chunked" ? decodeChunked(rest) : rest;
      resolve({
        status: Number(statusLine.split(" ")[1]),
        headers,
        body: body.toString("utf8"),
        raw: all.toString("utf8"),
      });
    });
    socket.write(request);
  });
}
