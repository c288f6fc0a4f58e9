-- Initial normalized schema for the Instagram DM automation backend.
-- Meta ids are text: they exceed JavaScript's safe integers. Every table has row-level security enabled and no
-- policies, so Supabase's anon and authenticated keys read nothing; only the persister's service connection
-- (table owner / bypassrls) reads and writes.

-- Keeps updated_at honest on every update; an idempotent replay that changes nothing leaves it untouched.
create function public.set_updated_at() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new is distinct from old then
    new.updated_at = now();
  end if;
  return new;
end;
$$;

create table public.users (
  id text primary key,
  name text,
  access_token_enc text,
  token_expires_at timestamptz,
  token_status text not null default 'valid' check (token_status in ('valid', 'expiring', 'invalid', 'revoked')),
  token_refreshed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.users is
  'Facebook users who connected the app (id = app-scoped user id), with their encrypted long-lived user token.';
comment on column public.users.access_token_enc is 'AES-256-GCM ciphertext with key id; never a plain token.';

create table public.pages (
  id text primary key,
  user_id text not null references public.users (id) on delete cascade,
  name text,
  access_token_enc text,
  token_status text not null default 'valid' check (token_status in ('valid', 'expiring', 'invalid', 'revoked')),
  subscribed boolean not null default false,
  last_subscribed_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index pages_user_id_idx on public.pages (user_id);
comment on table public.pages is
  'Facebook Pages a user manages, with the encrypted Page token and whether our app is subscribed to its webhooks.';
comment on column public.pages.access_token_enc is 'AES-256-GCM ciphertext with key id; never a plain token.';

create table public.instagram_accounts (
  id text primary key,
  username text,
  page_id text references public.pages (id) on delete set null,
  -- Null for accounts connected with Instagram Login, which involves no Facebook user.
  user_id text references public.users (id) on delete cascade,
  login_type text not null default 'facebook' check (login_type in ('facebook', 'instagram')),
  access_token_enc text,
  token_expires_at timestamptz,
  token_status text not null default 'valid' check (token_status in ('valid', 'expiring', 'invalid', 'revoked')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index instagram_accounts_page_id_idx on public.instagram_accounts (page_id);
create index instagram_accounts_user_id_idx on public.instagram_accounts (user_id);
comment on table public.instagram_accounts is
  'Instagram professional accounts we receive DMs for (id = IG account id = webhook entry.id), via a Page or Instagram Login.';
comment on column public.instagram_accounts.access_token_enc is
  'Instagram Login token as AES-256-GCM ciphertext; null for Facebook Login accounts, which use the Page token.';

-- No foreign keys: webhooks arrive out of order and before accounts are stored, and writes must never fail on that.
-- Columns other than the key are nullable so a reaction or deletion that arrives first can create the row.
create table public.messages (
  message_id text primary key,
  sender_id text,
  recipient_id text,
  text text,
  user_id text,
  page_id text,
  ig_id text,
  direction text check (direction in ('inbound', 'outbound')),
  is_echo boolean not null default false,
  attachments jsonb not null default '[]'::jsonb,
  reply_to jsonb,
  quick_reply_payload text,
  referral jsonb,
  is_deleted boolean not null default false,
  deleted_at timestamptz,
  edit_count int not null default 0 check (edit_count >= 0),
  edited_at timestamptz,
  is_unsupported boolean not null default false,
  sent_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index messages_ig_id_sent_at_idx on public.messages (ig_id, sent_at desc);
create index messages_sender_id_sent_at_idx on public.messages (sender_id, sent_at desc);
comment on table public.messages is
  'Instagram DMs in both directions keyed by Meta''s mid, so retries and echoes merge; holds edits and deletions (reactions live in message_reactions).';
comment on column public.messages.sent_at is 'Meta''s event timestamp; created_at is when we stored the row.';

create table public.webhook_logs (
  id text primary key check (id ~ '^[0-9a-f]{64}$'),
  stream_seq bigint,
  received_at timestamptz not null,
  object text,
  body jsonb,
  raw bytea not null,
  headers jsonb,
  created_at timestamptz not null default now()
);
create index webhook_logs_received_at_idx on public.webhook_logs (received_at);
comment on table public.webhook_logs is
  'Every webhook body Meta delivered, exactly as received (id = sha256 hex of the raw bytes), with its stream sequence.';
comment on column public.webhook_logs.body is 'The parsed JSON body; null when the bytes were not JSON.';

create table public.token_logs (
  id bigint generated always as identity primary key,
  event_id text unique,
  subject_type text not null check (subject_type in ('user', 'page', 'instagram_account')),
  subject_id text not null,
  event text not null check (event <> ''),
  detail jsonb,
  created_at timestamptz not null default now()
);
create index token_logs_subject_idx on public.token_logs (subject_type, subject_id, created_at desc);
comment on table public.token_logs is
  'History of every token and subscription event (refreshed, refresh_failed, invalidated, revoked, resubscribed, ...).';
comment on column public.token_logs.event_id is 'Deterministic id of the source event, so replays insert nothing twice.';

create trigger users_set_updated_at before update on public.users
  for each row execute function public.set_updated_at();
create trigger pages_set_updated_at before update on public.pages
  for each row execute function public.set_updated_at();
create trigger instagram_accounts_set_updated_at before update on public.instagram_accounts
  for each row execute function public.set_updated_at();
create trigger messages_set_updated_at before update on public.messages
  for each row execute function public.set_updated_at();

alter table public.users enable row level security;
alter table public.pages enable row level security;
alter table public.instagram_accounts enable row level security;
alter table public.messages enable row level security;
alter table public.webhook_logs enable row level security;
alter table public.token_logs enable row level security;
