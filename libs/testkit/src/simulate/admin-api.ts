import { SimulateError } from "./errors.js";

/*
 * The few fields of ingress's admin views (services/ingress/src/admin/debug-routes.ts) the simulate command reads.
 * They are ingress's HTTP answers in snake_case, not the persister's contracts, so only what is used is named.
 */

export interface AdminMessage {
  message_id: string;
  direction: "inbound" | "outbound" | null;
  sender_id: string | null;
  recipient_id: string | null;
  text: string | null;
  sent_at: string | null;
}

export interface AdminAccount {
  id: string;
  username: string | null;
  login_type: "facebook" | "instagram";
  token_status: string | null;
}

export interface AdminPage {
  id: string;
  name: string | null;
  subscribed: boolean;
  has_token: boolean;
  token_status: string;
  instagram_accounts: AdminAccount[];
}

export interface AdminToken {
  subject_type: "user" | "page" | "instagram_account";
  subject_id: string;
  fingerprint: string | null;
}

export interface AdminPages {
  pages: AdminPage[];
  instagram_accounts: AdminAccount[];
}

/** ingress's admin port, with the bearer token every request needs. */
export class AdminApi {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  pages(): Promise<AdminPages> {
    return this.#get<AdminPages>("/debug/pages");
  }

  async tokens(): Promise<AdminToken[]> {
    return (await this.#get<{ tokens: AdminToken[] }>("/debug/tokens")).tokens;
  }

  /** The account's newest messages first (200 at most: the view's limit). */
  async messages(igId: string): Promise<AdminMessage[]> {
    return (await this.#get<{ messages: AdminMessage[] }>(`/debug/messages?ig_id=${igId}&limit=200`)).messages;
  }

  async #get<T>(path: string): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, { headers: { authorization: `Bearer ${this.token}` } });
    } catch (err) {
      throw new SimulateError(
        `ingress's admin port does not answer at ${this.baseUrl} (${causeOf(err)}): is \`npm run stack\` running? ` +
          "(ADMIN_HOST / ADMIN_PORT say where it listens)",
      );
    }
    const body = await res.text();
    if (res.status === 401) {
      throw new SimulateError(`ingress's admin port refused ADMIN_TOKEN: run with the ADMIN_TOKEN the stack uses`);
    }
    if (res.status === 503 || res.status === 504) {
      throw new SimulateError(`${path} answered ${res.status}: the persister does not answer (is the whole stack up?)`);
    }
    if (!res.ok) throw new SimulateError(`${path} answered ${res.status}: ${body.slice(0, 300)}`);
    return JSON.parse(body) as T;
  }
}

/** What a failed fetch says: undici hides the useful part (ECONNREFUSED…) in `cause`. */
export function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}
