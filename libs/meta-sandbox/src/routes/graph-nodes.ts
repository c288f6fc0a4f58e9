import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from "fastify";
import { authenticate } from "../auth.js";
import { paramError, unsupportedRequest } from "../errors.js";
import { type FieldSpec, project, requestedFields } from "../fields.js";
import { originalPath, param, queryOf } from "../http.js";
import type { SandboxPage, SandboxState, SandboxUser } from "../state.js";
import { FACEBOOK_TOKEN_KINDS, type SandboxToken, USER_TOKEN_KINDS } from "../tokens.js";

const PAGE_TASKS = ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"];
const ACCOUNTS_DEFAULT_FIELDS = "access_token,category,name,id,tasks";
const DEFAULT_LIMIT = 25;
const MAX_LIMIT = 100;

/** graph.facebook.com nodes: `/me`, `/{id}`, `/me/accounts` (Pages with their tokens and Instagram accounts). */
export function graphNodeRoutes(state: SandboxState): FastifyPluginAsync {
  return async (server: FastifyInstance) => {
    server.get<{ Params: { id: string } }>("/:id", async (request) => {
      const record = authenticate(state, request, "facebook", FACEBOOK_TOKEN_KINDS, () =>
        unsupportedRequest("GET", ""),
      );
      const id = request.params.id === "me" ? record.ownerId : request.params.id;
      const fields = param(request, "fields");
      const user = state.user(id);
      if (user) return project("User", user.id, requestedFields(fields, "id,name"), userResolvers(user));
      const page = state.page(id);
      if (page) return project("Page", page.id, requestedFields(fields, "id,name"), pageResolvers(state, page, record));
      const owner = state.pageOfInstagramAccount(id);
      const ig = owner?.instagram_business_account;
      if (ig) {
        return project("ShadowIGUser", ig.id, requestedFields(fields, "id"), {
          id: () => ig.id,
          username: () => ig.username,
          name: () => ig.name ?? ig.username,
        });
      }
      throw unsupportedRequest("GET", request.params.id);
    });

    server.get<{ Params: { id: string } }>("/:id/accounts", async (request) => {
      const record = authenticate(state, request, "facebook", USER_TOKEN_KINDS, () =>
        paramError("(#100) Tried accessing nonexisting field (accounts) on node type (Page)"),
      );
      const { id } = request.params;
      if (id !== "me" && id !== record.ownerId) throw unsupportedRequest("GET", id);
      const user = state.user(record.ownerId);
      if (!user) throw unsupportedRequest("GET", id);
      const fields = requestedFields(param(request, "fields"), ACCOUNTS_DEFAULT_FIELDS);
      const pages = user.pageIds.map((p) => state.page(p)).filter((p): p is SandboxPage => p !== undefined);
      const window = pageWindow(request, pages);
      const data = window.items.map((page) => project("Page", page.id, fields, pageResolvers(state, page, record)));
      if (data.length === 0) return { data };
      return { data, paging: pagingOf(request, pages, window) };
    });
  };
}

function userResolvers(user: SandboxUser) {
  const [first, ...rest] = user.name.split(" ");
  return {
    id: () => user.id,
    name: () => user.name,
    first_name: () => first,
    last_name: () => rest.join(" ") || undefined,
  };
}

/**
 * A Page's fields. `access_token` is a Page token when the caller is a user managing the Page (stable per Page and
 * user), the caller's own token when it is that Page's token, and absent otherwise.
 */
function pageResolvers(state: SandboxState, page: SandboxPage, caller: SandboxToken) {
  const managedByCaller = USER_TOKEN_KINDS.includes(caller.kind) && page.userIds.includes(caller.ownerId);
  return {
    id: () => page.id,
    name: () => page.name,
    category: () => page.category,
    category_list: () => [{ id: "2200", name: page.category }],
    tasks: () => (managedByCaller ? PAGE_TASKS : undefined),
    access_token: () => {
      if (managedByCaller) return state.pageTokenFor(page.id, caller).token;
      if (caller.kind === "page" && caller.ownerId === page.id) return caller.token;
      return undefined;
    },
    instagram_business_account: (sub: FieldSpec[] | undefined) => {
      const ig = page.instagram_business_account;
      if (!ig) return undefined;
      return project("IGUser", ig.id, sub ?? [{ name: "id", sub: undefined }], {
        id: () => ig.id,
        username: () => ig.username,
        name: () => ig.name ?? ig.username,
      });
    },
  };
}

interface PageWindow {
  items: SandboxPage[];
  start: number;
  end: number;
  limit: number;
}

export function cursorOf(id: string): string {
  return Buffer.from(`sandbox:${id}`).toString("base64url");
}

function indexOfCursor(pages: readonly SandboxPage[], cursor: string): number {
  const id = Buffer.from(cursor, "base64url")
    .toString("utf8")
    .replace(/^sandbox:/, "");
  return pages.findIndex((p) => p.id === id);
}

/** `limit` with `after` or `before` cursors, as Graph's cursor-based pagination. */
function pageWindow(request: FastifyRequest, pages: readonly SandboxPage[]): PageWindow {
  const q = queryOf(request);
  const asked = Number.parseInt(q.limit ?? "", 10);
  const limit = Number.isFinite(asked) && asked > 0 ? Math.min(asked, MAX_LIMIT) : DEFAULT_LIMIT;
  let start = 0;
  let end: number;
  if (q.after !== undefined) {
    const at = indexOfCursor(pages, q.after);
    start = at < 0 ? pages.length : at + 1;
    end = Math.min(pages.length, start + limit);
  } else if (q.before !== undefined) {
    const at = indexOfCursor(pages, q.before);
    end = Math.max(at, 0);
    start = Math.max(0, end - limit);
  } else {
    end = Math.min(pages.length, limit);
  }
  return { items: pages.slice(start, end), start, end, limit };
}

function pagingOf(request: FastifyRequest, pages: readonly SandboxPage[], w: PageWindow) {
  const first = w.items[0]!;
  const last = w.items[w.items.length - 1]!;
  const link = (cursor: { after?: string; before?: string }) => {
    const q: Record<string, string> = { ...queryOf(request), limit: String(w.limit) };
    delete q.after;
    delete q.before;
    const search = new URLSearchParams({ ...q, ...cursor });
    return `${request.protocol}://${request.host}${originalPath(request)}?${search.toString()}`;
  };
  return {
    cursors: { before: cursorOf(first.id), after: cursorOf(last.id) },
    ...(w.start > 0 ? { previous: link({ before: cursorOf(first.id) }) } : {}),
    ...(w.end < pages.length ? { next: link({ after: cursorOf(last.id) }) } : {}),
  };
}
