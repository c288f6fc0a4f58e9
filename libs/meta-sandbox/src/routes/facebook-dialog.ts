import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import { consentPage, dialogErrorPage } from "../html.js";
import { param, redirectWith } from "../http.js";
import type { SandboxState } from "../state.js";
import { dialogRequestOk, readDialogRequest, sendHtml } from "./dialog-common.js";

/** Scopes Facebook Login for Business grants for a `config_id` (the IG DM set) when no `scope` is given. */
const CONFIG_ID_SCOPES = [
  "instagram_basic",
  "instagram_manage_messages",
  "pages_manage_metadata",
  "pages_show_list",
  "pages_read_engagement",
];

/** www.facebook.com: the Facebook Login dialog, `/www/{ver}/dialog/oauth`. */
export function facebookDialogRoutes(state: SandboxState): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.get("/dialog/oauth", async (request, reply) => {
      const dialog = readDialogRequest(request);
      if (!dialogRequestOk(reply, dialog, state.config.appId)) return reply;
      const user = state.dialogUser;
      if (!user) return sendHtml(reply, dialogErrorPage("No user", "The sandbox seed has no Facebook user."), 500);
      const scopes = dialog.scopes.length > 0 ? dialog.scopes : param(request, "config_id") ? CONFIG_ID_SCOPES : [];
      return sendHtml(
        reply,
        consentPage({
          provider: "Facebook",
          accountName: user.name,
          appName: state.config.appName,
          scopes,
          action: dialog.action,
          hidden: {
            client_id: dialog.clientId,
            redirect_uri: dialog.redirectUri,
            state: dialog.state,
            scope: scopes.join(","),
            sandbox_subject: user.id,
          },
        }),
      );
    });

    app.post("/dialog/oauth", async (request, reply) => {
      const dialog = readDialogRequest(request);
      if (!dialogRequestOk(reply, dialog, state.config.appId)) return reply;
      if (param(request, "decision") !== "continue") {
        return reply.redirect(
          redirectWith(dialog.redirectUri, {
            error: "access_denied",
            error_code: "200",
            error_description: "Permissions error",
            error_reason: "user_denied",
            state: dialog.state,
          }),
          302,
        );
      }
      const user = state.user(dialog.subjectId ?? "") ?? state.dialogUser;
      if (!user) return sendHtml(reply, dialogErrorPage("No user", "The sandbox seed has no Facebook user."), 500);
      const scopes = [...new Set(["public_profile", ...dialog.scopes])];
      const code = state.issueCode({
        provider: "facebook",
        clientId: dialog.clientId,
        redirectUri: dialog.redirectUri,
        subjectId: user.id,
        scopes,
      });
      return reply.redirect(redirectWith(dialog.redirectUri, { code: code.code, state: dialog.state }), 302);
    });
  };
}
