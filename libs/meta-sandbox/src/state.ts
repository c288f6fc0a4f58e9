import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { MetaErrorSpec } from "./errors.js";
import { type DelaySpec, type Fault, type FaultMatch, FaultQueue, type PendingFault } from "./faults.js";
import { HeldAnswers } from "./held-answers.js";
import { type AuthorizationCode, CODE_LIFETIME_SECONDS, newCode } from "./oauth-codes.js";
import { defaultSeed, type SandboxSeed, type SeedInstagramBusinessAccount } from "./seed.js";
import { newTokenRecord, type SandboxToken, TOKEN_LIFETIME_SECONDS, type TokenKind, tokenProblem } from "./tokens.js";

export interface SandboxConfig {
  readonly appId: string;
  readonly appSecret: string;
  readonly igAppId: string;
  readonly igAppSecret: string;
  /** `application` in debug_token, `name` in subscribed_apps. */
  readonly appName: string;
}

export interface SandboxUser {
  readonly id: string;
  readonly name: string;
  readonly pageIds: readonly string[];
}

export interface SandboxPage {
  readonly id: string;
  readonly name: string;
  readonly category: string;
  readonly instagram_business_account: Readonly<SeedInstagramBusinessAccount> | undefined;
  /** The Facebook users who manage the Page. */
  readonly userIds: readonly string[];
}

export interface SandboxIgAccount {
  /** Professional account id: `/me?fields=user_id`, webhook `entry.id`. */
  readonly user_id: string;
  /** App-scoped id: `/me`'s `id` and the code exchange's `user_id`. */
  readonly id: string;
  readonly username: string;
  readonly name: string;
}

/** The Meta host a request went to, by path prefix. */
export type SandboxHost = "graph" | "www" | "ig-api" | "ig-graph" | "ig-www" | "other";

export interface SandboxRequest {
  readonly method: string;
  readonly host: SandboxHost;
  /** As sent, with prefix and version, without the query. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  body: unknown;
  status: number | undefined;
  readonly fbtraceId: string;
  readonly at: Date;
}

/** A Send API call the sandbox answered. Attempts carrying a `tag` are recorded with `accepted: false`. */
export interface SentMessage {
  readonly api: "facebook" | "instagram";
  readonly accepted: boolean;
  readonly message_id: string | null;
  readonly token: string;
  /** The Page that sent (Facebook Login), else null. */
  readonly page: string | null;
  /** The Instagram account that sent: the Page's linked account or the Instagram-Login account. */
  readonly igAccount: string | null;
  readonly recipient: string;
  readonly text: string | undefined;
  readonly attachment: unknown;
  readonly messaging_type: string | undefined;
  readonly tag: string | undefined;
  readonly at: Date;
}

export interface SubscriptionCall {
  readonly id: string;
  readonly fields: readonly string[];
  readonly at: Date;
}

/** How `POST /ig-api/oauth/access_token` answers: flat (what Meta sends today) or wrapped in `data[]` (its docs). */
export type IgTokenResponseStyle = "flat" | "data";

const DAY_MS = 24 * 3600 * 1000;

/** The request log keeps the most recent requests only, so a long-running `npm run sandbox` stays small. */
export const MAX_LOGGED_REQUESTS = 10_000;

/** Everything the fake Meta knows; tests read and steer it between requests. */
export class SandboxState {
  readonly config: SandboxConfig;
  /** Every request received, oldest first. */
  readonly requests: SandboxRequest[] = [];
  /** Every Send API message answered (and every refused attempt with a `tag`). */
  readonly sentMessages: SentMessage[] = [];
  /** Every `POST .../subscribed_apps` that succeeded, oldest first. */
  readonly subscriptionLog: SubscriptionCall[] = [];
  igTokenResponseStyle: IgTokenResponseStyle = "flat";

  #users: SandboxUser[] = [];
  #pages: SandboxPage[] = [];
  #igAccounts: SandboxIgAccount[] = [];
  #dialogUserId: string | undefined;
  #igDialogUserId: string | undefined;
  readonly #tokens = new Map<string, SandboxToken>();
  readonly #codes = new Map<string, AuthorizationCode>();
  readonly #subscriptions = new Map<string, string[]>();
  readonly #faults = new FaultQueue();
  readonly #held = new HeldAnswers();
  #messageCounter = 0;

  constructor(config: SandboxConfig, seed: SandboxSeed = defaultSeed()) {
    this.config = config;
    this.seed(seed);
  }

  now(): Date {
    return new Date();
  }

  // ---- seed ----------------------------------------------------------------------------------------------------

  /**
   * Replaces users, Pages and Instagram accounts, and forgets every token, code, subscription, fault and log; answers
   * still held by a `delayNext` fault are dropped (their connections destroyed).
   */
  seed(seed: SandboxSeed): void {
    const pages = new Map<string, SandboxPage>();
    const users: SandboxUser[] = [];
    for (const user of seed.users) {
      for (const page of user.pages) {
        const known = pages.get(page.id);
        pages.set(page.id, {
          id: page.id,
          name: page.name,
          category: page.category ?? "Business",
          instagram_business_account: page.instagram_business_account
            ? { ...page.instagram_business_account }
            : known?.instagram_business_account,
          userIds: [...(known?.userIds ?? []), user.id],
        });
      }
      users.push({ id: user.id, name: user.name, pageIds: user.pages.map((p) => p.id) });
    }
    this.#users = users;
    this.#pages = [...pages.values()];
    this.#igAccounts = seed.igAccounts.map((a, i) => ({
      user_id: a.user_id,
      id: a.id ?? `2600000000000${String(i + 1).padStart(4, "0")}`,
      username: a.username,
      name: a.name ?? a.username,
    }));
    this.#dialogUserId = users[0]?.id;
    this.#igDialogUserId = this.#igAccounts[0]?.user_id;
    this.#tokens.clear();
    this.#codes.clear();
    this.#subscriptions.clear();
    this.#faults.clear();
    this.#held.dropAll();
    this.subscriptionLog.length = 0;
    this.requests.length = 0;
    this.sentMessages.length = 0;
    this.#messageCounter = 0;
    this.igTokenResponseStyle = "flat";
  }

  /** Back to the default seed with nothing issued, subscribed or logged. */
  reset(): void {
    this.seed(defaultSeed());
  }

  get users(): readonly SandboxUser[] {
    return this.#users;
  }

  get pages(): readonly SandboxPage[] {
    return this.#pages;
  }

  get igAccounts(): readonly SandboxIgAccount[] {
    return this.#igAccounts;
  }

  user(id: string): SandboxUser | undefined {
    return this.#users.find((u) => u.id === id);
  }

  page(id: string): SandboxPage | undefined {
    return this.#pages.find((p) => p.id === id);
  }

  /** An Instagram-Login account by `user_id` (or by its app-scoped `id`). */
  igAccount(id: string): SandboxIgAccount | undefined {
    return this.#igAccounts.find((a) => a.user_id === id || a.id === id);
  }

  /** The Page whose linked Instagram business account has this id. */
  pageOfInstagramAccount(igId: string): SandboxPage | undefined {
    return this.#pages.find((p) => p.instagram_business_account?.id === igId);
  }

  // ---- dialogs ---------------------------------------------------------------------------------------------------

  /** Who the Facebook Login dialog logs in as (the first seeded user by default). */
  get dialogUser(): SandboxUser | undefined {
    return this.#dialogUserId === undefined ? undefined : this.user(this.#dialogUserId);
  }

  /** Who the Instagram Login dialog logs in as (the first seeded Instagram account by default). */
  get igDialogAccount(): SandboxIgAccount | undefined {
    return this.#igDialogUserId === undefined ? undefined : this.igAccount(this.#igDialogUserId);
  }

  loginAs(userId: string): void {
    if (!this.user(userId)) throw new Error(`loginAs: no seeded user ${userId}`);
    this.#dialogUserId = userId;
  }

  loginAsInstagram(igUserId: string): void {
    const account = this.igAccount(igUserId);
    if (!account) throw new Error(`loginAsInstagram: no seeded Instagram account ${igUserId}`);
    this.#igDialogUserId = account.user_id;
  }

  // ---- authorization codes ---------------------------------------------------------------------------------------

  issueCode(input: Omit<AuthorizationCode, "code" | "expiresAt" | "used">): AuthorizationCode {
    const code: AuthorizationCode = {
      ...input,
      code: newCode(),
      expiresAt: new Date(this.now().getTime() + CODE_LIFETIME_SECONDS[input.provider] * 1000),
      used: false,
    };
    this.#codes.set(code.code, code);
    return code;
  }

  findCode(code: string): AuthorizationCode | undefined {
    return this.#codes.get(code);
  }

  /** Makes an issued code already expired (to test the exchange's refusal). */
  expireCode(code: string): void {
    const found = this.#codes.get(code);
    if (!found) throw new Error("expireCode: unknown code");
    this.#codes.set(code, { ...found, expiresAt: new Date(this.now().getTime() - 1000) });
  }

  // ---- tokens ----------------------------------------------------------------------------------------------------

  issueToken(kind: TokenKind, owner: { ownerId: string; userId?: string; scopes: readonly string[] }): SandboxToken {
    const appId = kind === "ig_short" || kind === "ig_long" ? this.config.igAppId : this.config.appId;
    const record = newTokenRecord(kind, { ...owner, appId }, this.now());
    this.#tokens.set(record.token, record);
    return record;
  }

  /** A Page token for this Page through this user: the same string on every call while it stays usable. */
  pageTokenFor(pageId: string, userToken: SandboxToken): SandboxToken {
    const userId = userToken.ownerId;
    for (const t of this.#tokens.values()) {
      if (t.kind === "page" && t.ownerId === pageId && t.userId === userId && !tokenProblem(t, this.now())) return t;
    }
    return this.issueToken("page", { ownerId: pageId, userId, scopes: userToken.scopes });
  }

  /** The record of a token string, if the sandbox issued it. */
  token(token: string): SandboxToken | undefined {
    return this.#tokens.get(token);
  }

  get tokens(): readonly SandboxToken[] {
    return [...this.#tokens.values()];
  }

  /** Tokens owned by this Facebook user, Page or Instagram account (a Page's tokens are owned by the Page). */
  tokensOf(ownerId: string): SandboxToken[] {
    return [...this.#tokens.values()].filter((t) => t.ownerId === ownerId);
  }

  #record(token: string, caller: string): SandboxToken {
    const found = this.#tokens.get(token);
    if (!found) throw new Error(`${caller}: the sandbox never issued this token`);
    return found;
  }

  /** The token's expiry moves to just before now: its next use answers 190/463. */
  expireToken(token: string): void {
    this.#record(token, "expireToken").expiresAt = new Date(this.now().getTime() - 1000);
  }

  /** Like a password change or app removal: the token's next use answers 190/460. */
  invalidateToken(token: string): void {
    this.#record(token, "invalidateToken").valid = false;
  }

  /** Invalidates every token of this owner, and for a Facebook user also the Page tokens obtained through them. */
  invalidateTokensOf(ownerId: string): void {
    for (const t of this.#tokens.values()) if (t.ownerId === ownerId || t.userId === ownerId) t.valid = false;
  }

  /** Moves `issuedAt`; a token that expires keeps its lifetime, so its expiry moves by the same amount. */
  setTokenIssuedAt(token: string, date: Date): void {
    const record = this.#record(token, "setTokenIssuedAt");
    record.issuedAt = date;
    const lifetime = TOKEN_LIFETIME_SECONDS[record.kind];
    if (lifetime !== null && record.expiresAt !== null) record.expiresAt = new Date(date.getTime() + lifetime * 1000);
  }

  /** Sets the expiry alone (`null`: never). */
  setTokenExpiresAt(token: string, date: Date | null): void {
    this.#record(token, "setTokenExpiresAt").expiresAt = date;
  }

  /** Data access expires 90 days after issue for Facebook user tokens (what debug_token reports). */
  dataAccessExpiresAt(record: SandboxToken): Date {
    return new Date(record.issuedAt.getTime() + 90 * DAY_MS);
  }

  // ---- webhook subscriptions -------------------------------------------------------------------------------------

  /** Fields this app is subscribed to for a Page or Instagram account, or undefined when not subscribed. */
  subscribedFields(id: string): readonly string[] | undefined {
    return this.#subscriptions.get(id);
  }

  get subscriptions(): ReadonlyMap<string, readonly string[]> {
    return this.#subscriptions;
  }

  /** Records a subscription (what a successful `POST subscribed_apps` does). */
  subscribe(id: string, fields: readonly string[]): void {
    this.#subscriptions.set(id, [...fields]);
  }

  /** Meta dropping the app from a Page or account (after an hour of failed deliveries, say). */
  unsubscribe(id: string): void {
    this.#subscriptions.delete(id);
  }

  recordSubscriptionCall(id: string, fields: readonly string[]): void {
    this.subscriptionLog.push({ id, fields: [...fields], at: this.now() });
    this.subscribe(id, fields);
  }

  /** How many `POST .../subscribed_apps` succeeded. */
  get subscriptionCalls(): number {
    return this.subscriptionLog.length;
  }

  subscriptionCallsFor(id: string): number {
    return this.subscriptionLog.filter((c) => c.id === id).length;
  }

  logRequest(entry: SandboxRequest): void {
    this.requests.push(entry);
    if (this.requests.length > MAX_LOGGED_REQUESTS) this.requests.splice(0, this.requests.length - MAX_LOGGED_REQUESTS);
  }

  // ---- faults ----------------------------------------------------------------------------------------------------

  /** The next `error.times` (default 1) requests matching `match` answer this Meta error instead. */
  failNext(match: FaultMatch, error: MetaErrorSpec): void {
    this.#faults.add(match, error);
  }

  /**
   * The next `spec.times` (default 1) requests matching `match` answer late (`deliver: true`, processed normally) or
   * never (`deliver: false`, not processed): Meta timing out. See `DelaySpec` for which real case each one models.
   */
  delayNext(match: FaultMatch, spec: DelaySpec): void {
    this.#faults.addDelay(match, spec);
  }

  /** Faults of `failNext` and `delayNext` not used up yet, in the order they apply. */
  get pendingFaults(): readonly PendingFault[] {
    return this.#faults.pending;
  }

  clearFaults(): void {
    this.#faults.clear();
  }

  takeFault(method: string, path: string): Fault | undefined {
    return this.#faults.take(method, path);
  }

  /** How many answers `delayNext` faults are holding back right now (a test can wait for its request to be held). */
  get heldAnswers(): number {
    return this.#held.size;
  }

  holdAnswer(ms: number, res: ServerResponse): Promise<void> {
    return this.#held.hold(ms, res);
  }

  /** Ends every hold by destroying its connection: the sandbox is closing. */
  dropHeldAnswers(): void {
    this.#held.dropAll();
  }

  // ---- Send API --------------------------------------------------------------------------------------------------

  /** Unique, Meta-like message ids: `m_...` for Facebook Login sends, base64 `aWdf...` for Instagram. */
  newMessageId(api: "facebook" | "instagram", senderId: string): string {
    this.#messageCounter += 1;
    const unique = `${this.#messageCounter}${randomBytes(9).toString("hex")}`;
    if (api === "facebook") return `m_${Buffer.from(`${senderId}:${unique}`).toString("base64url")}`;
    return Buffer.from(`ig_message_item:1:IGMessageThread:${senderId}:${unique}`).toString("base64url");
  }

  recordSentMessage(message: Omit<SentMessage, "at">): SentMessage {
    const recorded = { ...message, at: this.now() };
    this.sentMessages.push(recorded);
    return recorded;
  }
}
