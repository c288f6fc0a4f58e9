import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import { consentPage, dialogErrorPage } from "../html.js";
import { param, redirectWith } from "../http.js";
import type { SandboxState } from "../state.js";
import { dialogRequestOk, readDialogRequest, sendHtml } from "./dialog-common.js";

/** Meta appends `#_` to every Instagram Login redirect; it is not part of the code. */
const IG_FRAGMENT = "_";

/**
 * www.instagram.com: the Instagram Login dialog, `/ig-www/oauth/authorize` (also served under `/ig-api`, where the
 * older docs put it).
 */
export function instagramDialogRoutes(state: SandboxState): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.get("/oauth/authorize", async (request, reply) => {
      const dialog = readDialogRequest(request);
      if (!dialogRequestOk(reply, dialog, state.config.igAppId)) return reply;
      if (dialog.responseType !== "code") {
        return sendHtml(
          reply,
          dialogErrorPage("Invalid request", "Invalid response_type: the parameter response_type must be 'code'."),
          400,
        );
      }
      const account = state.igDialogAccount;
      if (!account) {
        return sendHtml(reply, dialogErrorPage("No account", "The sandbox seed has no Instagram account."), 500);
      }
      return sendHtml(
        reply,
        consentPage({
          provider: "Instagram",
          accountName: account.username,
          appName: state.config.appName,
          scopes: dialog.scopes,
          action: dialog.action,
          hidden: {
            client_id: dialog.clientId,
            redirect_uri: dialog.redirectUri,
            response_type: "code",
            state: dialog.state,
            scope: dialog.scopes.join(","),
            sandbox_subject: account.user_id,
          },
        }),
      );
    });

    app.post("/oauth/authorize", async (request, reply) => {
      const dialog = readDialogRequest(request);
      if (!dialogRequestOk(reply, dialog, state.config.igAppId)) return reply;
      if (param(request, "decision") !== "continue") {
        return reply.redirect(
          redirectWith(
            dialog.redirectUri,
            {
              error: "access_denied",
              error_reason: "user_denied",
              error_description: "The user denied your request.",
              state: dialog.state,
            },
            IG_FRAGMENT,
          ),
          302,
        );
      }
      const account = state.igAccount(dialog.subjectId ?? "") ?? state.igDialogAccount;
      if (!account) {
        return sendHtml(reply, dialogErrorPage("No account", "The sandbox seed has no Instagram account."), 500);
      }
      const code = state.issueCode({
        provider: "instagram",
        clientId: dialog.clientId,
        redirectUri: dialog.redirectUri,
        subjectId: account.user_id,
        scopes: dialog.scopes,
      });
      return reply.redirect(
        redirectWith(dialog.redirectUri, { code: code.code, state: dialog.state }, IG_FRAGMENT),
        302,
      );
    });
  };
}
