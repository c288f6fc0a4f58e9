-- Tables for the domain events that are not messages. Like messages, they have no foreign keys (events arrive out of
-- order and before their accounts or messages) and every row carries its idempotency key: the event id, or Meta's
-- natural key where later events replace earlier ones. account_id is the webhook entry.id (IG account or Page, per
-- `object`); occurred_at is Meta's event timestamp.

-- Messenger traffic (object = page) fills page_id instead of ig_id; partial, so Instagram rows cost it nothing.
create index messages_page_id_sent_at_idx on public.messages (page_id, sent_at desc) where page_id is not null;

create table public.message_reactions (
  message_id text not null,
  reactor_id text not null,
  recipient_id text,
  account_id text not null,
  object text not null,
  action text not null check (action in ('react', 'unreact')),
  reaction text,
  emoji text,
  occurred_at timestamptz not null,
  -- "C" collation: the tie-break between two events of the same millisecond must not depend on the locale.
  event_id text collate "C" not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (message_id, reactor_id)
);
create index message_reactions_account_id_occurred_at_idx on public.message_reactions (account_id, occurred_at desc);
comment on table public.message_reactions is
  'Latest reaction per (message mid, reactor): the newest Meta timestamp wins; an unreact stays as a tombstone '
  'so a late, older react cannot resurrect it.';
comment on column public.message_reactions.reactor_id is
  'The reaction''s sender: a user''s IGSID/PSID, or our account.';
comment on column public.message_reactions.event_id is 'Id of the event that set the current state.';

create table public.message_reads (
  event_id text primary key,
  account_id text not null,
  object text not null,
  reader_id text not null,
  recipient_id text,
  message_id text not null,
  occurred_at timestamptz not null,
  created_at timestamptz not null default now()
);
create index message_reads_account_id_occurred_at_idx on public.message_reads (account_id, occurred_at desc);
create index message_reads_reader_id_occurred_at_idx on public.message_reads (reader_id, occurred_at desc);
comment on table public.message_reads is
  'One row per read receipt (messaging_seen): the reader has seen everything up to message_id.';

create table public.postbacks (
  event_id text primary key,
  account_id text not null,
  object text not null,
  sender_id text not null,
  recipient_id text,
  message_id text,
  title text,
  payload text,
  occurred_at timestamptz not null,
  created_at timestamptz not null default now()
);
create index postbacks_account_id_occurred_at_idx on public.postbacks (account_id, occurred_at desc);
create index postbacks_sender_id_occurred_at_idx on public.postbacks (sender_id, occurred_at desc);
comment on table public.postbacks is 'One row per postback: a user tapped a button or ice breaker we sent.';

create table public.referrals (
  event_id text primary key,
  account_id text not null,
  object text not null,
  sender_id text not null,
  recipient_id text,
  ref text,
  source text,
  type text,
  ad_id text,
  ads_context_data jsonb,
  occurred_at timestamptz not null,
  created_at timestamptz not null default now()
);
create index referrals_account_id_occurred_at_idx on public.referrals (account_id, occurred_at desc);
create index referrals_sender_id_occurred_at_idx on public.referrals (sender_id, occurred_at desc);
comment on table public.referrals is
  'One row per referral without a message: a user entered a conversation through a link, ad or other entry point.';

create table public.comments (
  comment_id text primary key,
  account_id text not null,
  object text not null,
  field text not null check (field in ('comments', 'live_comments')),
  text text,
  from_id text,
  from_username text,
  media_id text,
  media_product_type text,
  parent_id text,
  occurred_at timestamptz not null,
  event_id text collate "C" not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index comments_account_id_occurred_at_idx on public.comments (account_id, occurred_at desc);
create index comments_media_id_occurred_at_idx on public.comments (media_id, occurred_at desc);
create index comments_parent_id_idx on public.comments (parent_id) where parent_id is not null;
comment on table public.comments is
  'Comments and live comments on our media, keyed by Meta''s comment id; the event with the newest timestamp wins.';
comment on column public.comments.event_id is 'Id of the event that set the current state.';

create table public.mentions (
  event_id text primary key,
  account_id text not null,
  object text not null,
  media_id text,
  comment_id text,
  occurred_at timestamptz not null,
  created_at timestamptz not null default now()
);
create index mentions_account_id_occurred_at_idx on public.mentions (account_id, occurred_at desc);
comment on table public.mentions is
  'One row per @mention of our account in a caption (media_id) or a comment (comment_id).';

create table public.unrecognised_events (
  event_id text primary key,
  account_id text not null,
  object text not null,
  reason text not null,
  raw jsonb not null,
  source jsonb not null,
  occurred_at timestamptz not null,
  received_at timestamptz not null,
  created_at timestamptz not null default now()
);
create index unrecognised_events_account_id_occurred_at_idx
  on public.unrecognised_events (account_id, occurred_at desc);
create index unrecognised_events_received_at_idx on public.unrecognised_events (received_at desc);
comment on table public.unrecognised_events is
  'Webhook items the normalizer could not map, kept whole with the reason: new Meta shapes are surfaced, never lost.';
comment on column public.unrecognised_events.source is
  'Where the item sat in which raw delivery (webhook id = webhook_logs.id, stream sequence, entry and item index).';

create trigger message_reactions_set_updated_at before update on public.message_reactions
  for each row execute function public.set_updated_at();
create trigger comments_set_updated_at before update on public.comments
  for each row execute function public.set_updated_at();

alter table public.message_reactions enable row level security;
alter table public.message_reads enable row level security;
alter table public.postbacks enable row level security;
alter table public.referrals enable row level security;
alter table public.comments enable row level security;
alter table public.mentions enable row level security;
alter table public.unrecognised_events enable row level security;
