-- Account and token state, written by the persister from token-refresher's events (users, pages, instagram_accounts,
-- token_logs already exist; this adds what the events need).
--
-- Order independence. Events are redelivered, retried one at a time and replayed by operators, so an older event
-- can arrive after a newer one. Every group of columns remembers the occurredAt of the event that set it, and only
-- a newer event replaces it (a replay of the same event changes nothing, not even updated_at):
--   connected_at             the profile (name, username, user_id, page_id, login_type): the newest connect wins whole,
--                            so a relink through another login flow also clears a stale page or user link
--   token_updated_at         access_token_enc, token_refreshed_at: the newest connect or refresh (tokenIssuedAt)
--   token_status_at          token_status: the newest of connect, refresh, validation ('valid') and re-auth needed
--                            ('invalid', wins a tie); a validation never lifts 'revoked'
--   last_validated_at        the newest debug_token check; token_expires_at comes from the newest of the token's own
--                            event and the checks after it (the token's event wins a tie)
--   subscription_updated_at  pages.subscribed and subscribed_fields; last_subscribed_at is the newest time we saw
--                            the page subscribed
--
-- Foreign keys stay: deleting a user (Meta's data-deletion and deauthorize callbacks) must cascade to the pages and
-- accounts it connected. Events can still arrive before their parent's (a page before its user, across batches,
-- when a batch was retried or an operator replays from a point): the persister then upserts a placeholder parent
-- holding only its id and no token (never listed as a credential), which the parent's own event fills later, and
-- within one batch it writes parents first. Likewise a subscription or token event for a page, user or account not
-- yet stored creates the row it describes, so its state is not lost. Such a page has no user yet, hence user_id
-- becomes nullable: null means only "its page_connected has not been stored yet".

alter table public.users
  add column connected_at timestamptz,
  add column token_updated_at timestamptz,
  add column token_status_at timestamptz,
  add column last_validated_at timestamptz;

alter table public.pages
  alter column user_id drop not null,
  add column connected_at timestamptz,
  add column token_expires_at timestamptz,
  add column token_refreshed_at timestamptz,
  add column token_updated_at timestamptz,
  add column token_status_at timestamptz,
  add column last_validated_at timestamptz,
  add column subscribed_fields text[] not null default '{}',
  add column subscription_updated_at timestamptz;

alter table public.instagram_accounts
  add column connected_at timestamptz,
  add column token_refreshed_at timestamptz,
  add column token_updated_at timestamptz,
  add column token_status_at timestamptz,
  add column last_validated_at timestamptz;

alter table public.token_logs
  add column occurred_at timestamptz;

comment on column public.users.connected_at is 'occurredAt of the newest connect event; the profile columns are its.';
comment on column public.users.token_updated_at is
  'occurredAt of the connect or refresh that set access_token_enc (when the token was issued); only newer ones apply.';
comment on column public.users.token_status_at is 'occurredAt of the event that set token_status.';
comment on column public.users.last_validated_at is 'occurredAt of the newest debug_token check that found it valid.';
comment on column public.pages.user_id is
  'The user who connected the page; null only while the page is known from an earlier event than its page_connected.';
comment on column public.pages.connected_at is 'occurredAt of the newest page_connected; the profile columns are its.';
comment on column public.pages.token_updated_at is
  'occurredAt of the connect or refresh that set access_token_enc (when the token was issued); only newer ones apply.';
comment on column public.pages.token_status_at is 'occurredAt of the event that set token_status.';
comment on column public.pages.last_validated_at is 'occurredAt of the newest debug_token check that found it valid.';
comment on column public.pages.subscribed_fields is 'The webhook fields our app is subscribed to, as last recorded.';
comment on column public.pages.subscription_updated_at is
  'occurredAt of the page_subscription event that set subscribed and subscribed_fields.';
comment on column public.instagram_accounts.connected_at is
  'occurredAt of the newest instagram_account_linked; the profile columns are its.';
comment on column public.instagram_accounts.token_updated_at is
  'occurredAt of the link or refresh that set access_token_enc (when the token was issued); only newer ones apply.';
comment on column public.instagram_accounts.token_status_at is 'occurredAt of the event that set token_status.';
comment on column public.instagram_accounts.last_validated_at is
  'occurredAt of the newest debug_token check that found it valid.';
comment on column public.token_logs.occurred_at is 'When the event happened (created_at is when it was stored).';
comment on column public.token_logs.detail is 'What the event said, never a token or its ciphertext.';
