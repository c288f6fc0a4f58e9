import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type MetaSandbox, startMetaSandbox } from "./server.js";

let sandbox: MetaSandbox;
let token: string;
const PAGE_IDS = ["30000000000001", "30000000000002", "30000000000003", "30000000000004", "30000000000005"];

beforeAll(async () => {
  sandbox = await startMetaSandbox();
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => {
  sandbox.state.seed({
    users: [
      { id: "10000000000009", name: "Many Pages", pages: PAGE_IDS.map((id, i) => ({ id, name: `Page ${i + 1}` })) },
    ],
    igAccounts: [],
  });
  token = sandbox.state.issueToken("user_long", { ownerId: "10000000000009", scopes: [] }).token;
});

interface Listing {
  data: { id: string; name: string; access_token: string }[];
  paging?: { cursors: { before: string; after: string }; next?: string; previous?: string };
}

async function get(url: string): Promise<Listing> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return (await res.json()) as Listing;
}

describe("/me/accounts paging", () => {
  it("pages with limit and after, following next URLs until there are none", async () => {
    const seen: string[] = [];
    let url: string | undefined =
      `${sandbox.urls.graph}/v21.0/me/accounts?fields=id,name,access_token&limit=2&access_token=${token}`;
    let pages = 0;
    while (url) {
      const listing = await get(url);
      seen.push(...listing.data.map((p) => p.id));
      expect(listing.data.length).toBeLessThanOrEqual(2);
      expect(listing.paging?.cursors.after).toEqual(expect.any(String));
      url = listing.paging?.next;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(PAGE_IDS);
    // every page got a token, one per page
    expect(sandbox.state.tokens.filter((t) => t.kind === "page")).toHaveLength(5);
  });

  it("keeps the version, fields and token in the next URL, and offers previous", async () => {
    const first = await get(`${sandbox.urls.graph}/v21.0/me/accounts?fields=id,name&limit=2&access_token=${token}`);
    const next = new URL(first.paging!.next!);
    expect(next.pathname).toBe("/graph/v21.0/me/accounts");
    expect(next.searchParams.get("fields")).toBe("id,name");
    expect(next.searchParams.get("access_token")).toBe(token);
    expect(first.paging?.previous).toBeUndefined();

    const second = await get(next.toString());
    expect(second.data.map((p) => p.id)).toEqual(PAGE_IDS.slice(2, 4));
    const back = await get(second.paging!.previous!);
    expect(back.data.map((p) => p.id)).toEqual(PAGE_IDS.slice(0, 2));
  });

  it("answers everything in one page without next, and an empty list past the end", async () => {
    const all = await get(`${sandbox.urls.graph}/v21.0/me/accounts?access_token=${token}`);
    expect(all.data).toHaveLength(5);
    expect(all.paging?.next).toBeUndefined();
    const past = await get(
      `${sandbox.urls.graph}/v21.0/me/accounts?after=${all.paging!.cursors.after}&access_token=${token}`,
    );
    expect(past).toEqual({ data: [] });
  });
});
