import type { FastifyReply, FastifyRequest } from "fastify";
import { dialogErrorPage } from "../html.js";
import { isAbsoluteHttpUrl, originalPath, param, parseScopes } from "../http.js";

/** The parameters both login dialogs take, from the query (GET) or the consent form (POST). */
export interface DialogRequest {
  clientId: string | undefined;
  redirectUri: string | undefined;
  state: string | undefined;
  scopes: string[];
  responseType: string | undefined;
  /** Optional: who logs in (a hidden field of the consent form). */
  subjectId: string | undefined;
  /** Where the consent form posts: the dialog path as requested. */
  action: string;
}

export function readDialogRequest(request: FastifyRequest): DialogRequest {
  return {
    clientId: param(request, "client_id"),
    redirectUri: param(request, "redirect_uri"),
    state: param(request, "state"),
    scopes: parseScopes(param(request, "scope")),
    responseType: param(request, "response_type"),
    subjectId: param(request, "sandbox_subject"),
    action: originalPath(request),
  };
}

/** Checks app id and redirect URI the way Meta's dialogs do; answers the error page and returns false otherwise. */
export function dialogRequestOk(
  reply: FastifyReply,
  dialog: DialogRequest,
  expectedClientId: string,
): dialog is DialogRequest & { clientId: string; redirectUri: string } {
  if (!dialog.clientId || dialog.clientId !== expectedClientId) {
    reply
      .code(400)
      .type("text/html; charset=utf-8")
      .send(dialogErrorPage("Invalid App ID", "The provided app ID does not look like a valid app ID."));
    return false;
  }
  if (!isAbsoluteHttpUrl(dialog.redirectUri)) {
    reply
      .code(400)
      .type("text/html; charset=utf-8")
      .send(
        dialogErrorPage(
          "URL blocked",
          "This redirect failed because the redirect URI is not an absolute http(s) URL (error 191: redirect_uri isn't an absolute URI).",
        ),
      );
    return false;
  }
  return true;
}

export function sendHtml(reply: FastifyReply, html: string, status = 200): FastifyReply {
  return reply.code(status).type("text/html; charset=utf-8").header("cache-control", "no-store").send(html);
}
