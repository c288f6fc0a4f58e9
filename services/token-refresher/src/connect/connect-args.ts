import type { AccountEvent, ConnectAccountReply } from "@igdm/contracts";
import type { TokenCipher } from "@igdm/crypto";
import type { GraphClient } from "@igdm/meta";

/** What a login flow needs: the code from the callback, and the state it came with as the attempt's id. */
export interface ConnectArgs {
  graph: GraphClient;
  cipher: TokenCipher;
  code: string;
  redirectUri: string;
  attemptId: string;
  now?: Date;
}

/** The events to publish (tokens encrypted) and the summary shown to the person. */
export interface ConnectOutcome {
  events: AccountEvent[];
  reply: Extract<ConnectAccountReply, { ok: true }>;
}
