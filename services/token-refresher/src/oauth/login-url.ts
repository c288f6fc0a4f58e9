import type { LoginFlow } from "@igdm/contracts";
import type { TokenRefresherEnv } from "../env.js";

/** What Instagram DMs need with Facebook Login (pages_messaging would add Facebook Page DMs). */
export const FACEBOOK_SCOPES = [
  "instagram_basic",
  "instagram_manage_messages",
  "pages_manage_metadata",
  "pages_show_list",
  "pages_read_engagement",
];
export const INSTAGRAM_SCOPES = ["instagram_business_basic", "instagram_business_manage_messages"];

/** Meta's OAuth dialog for the flow, carrying our one-time state. */
export function loginUrl(env: TokenRefresherEnv, flow: LoginFlow, state: string): string {
  if (flow === "facebook") {
    const url = new URL(`${env.GRAPH_API_VERSION}/dialog/oauth`, withSlash(env.FACEBOOK_DIALOG_BASE_URL));
    url.search = new URLSearchParams({
      client_id: env.APP_ID,
      redirect_uri: env.REDIRECT_URI,
      state,
      scope: FACEBOOK_SCOPES.join(","),
      response_type: "code",
    }).toString();
    return url.toString();
  }
  const url = new URL("oauth/authorize", withSlash(env.INSTAGRAM_DIALOG_BASE_URL));
  url.search = new URLSearchParams({
    client_id: env.INSTAGRAM_APP_ID ?? "",
    redirect_uri: env.REDIRECT_URI,
    response_type: "code",
    scope: INSTAGRAM_SCOPES.join(","),
    state,
  }).toString();
  return url.toString();
}

const withSlash = (base: string) => (base.endsWith("/") ? base : `${base}/`);
