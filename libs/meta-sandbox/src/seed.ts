/** The Instagram professional account linked to a Page (Facebook Login): `instagram_business_account{id,username}`. */
export interface SeedInstagramBusinessAccount {
  id: string;
  username: string;
  name?: string;
}

export interface SeedPage {
  id: string;
  name: string;
  category?: string;
  instagram_business_account?: SeedInstagramBusinessAccount;
}

/** A Facebook user who can pass the Facebook Login dialog; `pages` are the Pages they manage. */
export interface SeedUser {
  id: string;
  name: string;
  pages: SeedPage[];
}

/**
 * An account that connects with "Instagram API with Instagram Login". `user_id` is the professional account id
 * (`/me?fields=user_id`, and the webhook `entry.id`); `id` is the app-scoped id Meta returns as `/me`'s `id` and as
 * the code exchange's `user_id`, deliberately different so a client that skips `/me?fields=user_id` is caught.
 */
export interface SeedInstagramAccount {
  user_id: string;
  username: string;
  id?: string;
  name?: string;
}

export interface SandboxSeed {
  users: SeedUser[];
  igAccounts: SeedInstagramAccount[];
}

export const SANDBOX_USER_ID = "10000000000001";
export const SANDBOX_SHOP_PAGE_ID = "20000000000001";
export const SANDBOX_BLOG_PAGE_ID = "20000000000002";
export const SANDBOX_SHOP_IG_ID = "17841400000000001";
export const SANDBOX_CREATOR_IG_USER_ID = "17841400000000002";
export const SANDBOX_CREATOR_IG_SCOPED_ID = "26000000000000002";

/** One Facebook user with two Pages (one with an Instagram account) and one Instagram-Login account. */
export function defaultSeed(): SandboxSeed {
  return {
    users: [
      {
        id: SANDBOX_USER_ID,
        name: "Sandbox User",
        pages: [
          {
            id: SANDBOX_SHOP_PAGE_ID,
            name: "Sandbox Shop",
            category: "Shopping & retail",
            instagram_business_account: { id: SANDBOX_SHOP_IG_ID, username: "sandbox.shop", name: "Sandbox Shop" },
          },
          { id: SANDBOX_BLOG_PAGE_ID, name: "Sandbox Blog", category: "Personal blog" },
        ],
      },
    ],
    igAccounts: [
      {
        user_id: SANDBOX_CREATOR_IG_USER_ID,
        id: SANDBOX_CREATOR_IG_SCOPED_ID,
        username: "sandbox.creator",
        name: "Sandbox Creator",
      },
    ],
  };
}
