import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from "fastify";
import { authenticate, pageTokenRequired } from "../auth.js";
import { unsupportedRequest } from "../errors.js";
import { send } from "../send.js";
import type { SandboxPage, SandboxState } from "../state.js";
import { subscribedFieldsOf } from "../subscriptions.js";
import type { SandboxToken } from "../tokens.js";

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

/** graph.facebook.com Page edges that need the Page token: `subscribed_apps` and `messages`. */
export function graphPageEdgeRoutes(state: SandboxState): FastifyPluginAsync {
  /** The Page the token belongs to, which must be the Page (or its Instagram account) named in the path. */
  const pageOf = (request: IdRequest, allowInstagramId: boolean): { token: SandboxToken; page: SandboxPage } => {
    const token = authenticate(state, request, "facebook", ["page"], pageTokenRequired);
    const page = state.page(token.ownerId);
    const { id } = request.params;
    const named =
      id === "me" || id === token.ownerId || (allowInstagramId && page?.instagram_business_account?.id === id);
    if (!page || !named) throw unsupportedRequest(request.method, id);
    return { token, page };
  };

  const subscribedApps = (pageId: string) => {
    const fields = state.subscribedFields(pageId);
    if (!fields) return { data: [] };
    return {
      data: [
        {
          category: "Business",
          link: `https://sandbox.invalid/apps/${state.config.appId}`,
          name: state.config.appName,
          id: state.config.appId,
          subscribed_fields: [...fields],
        },
      ],
    };
  };

  return async (server: FastifyInstance) => {
    server.post<{ Params: { id: string } }>("/:id/subscribed_apps", async (request) => {
      const { page } = pageOf(request, false);
      const fields = subscribedFieldsOf(request);
      state.recordSubscriptionCall(page.id, fields);
      return { success: true };
    });

    server.get<{ Params: { id: string } }>("/:id/subscribed_apps", async (request) => {
      const { page } = pageOf(request, false);
      return subscribedApps(page.id);
    });

    server.delete<{ Params: { id: string } }>("/:id/subscribed_apps", async (request) => {
      const { page } = pageOf(request, false);
      state.unsubscribe(page.id);
      return { success: true };
    });

    server.post<{ Params: { id: string } }>("/:id/messages", async (request) => {
      const { token, page } = pageOf(request, true);
      return send(state, request, {
        api: "facebook",
        token,
        page: page.id,
        igAccount: page.instagram_business_account?.id ?? null,
      });
    });
  };
}
