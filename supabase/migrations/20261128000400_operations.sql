-- Operations: dead letters kept for the debug view (and a later re-delivery), and Meta's data-deletion requests
-- with what became of them (the status page Meta links people to).

-- One row per message of the DLQ stream, keyed by its sequence there, so a redelivery or a replay of the DLQ
-- stores nothing twice. A dead letter that cannot be read as one is still kept: service from its subject, the
-- reason saying why, the raw bytes as payload, and null where nothing could be read.
create table public.dead_letters (
  dlq_seq bigint primary key,
  service text not null,
  stream text,
  consumer text,
  subject text,
  stream_seq bigint,
  delivery_count int,
  reason text not null,
  failed_at timestamptz not null,
  payload bytea not null,
  created_at timestamptz not null default now()
);
create index dead_letters_failed_at_idx on public.dead_letters (failed_at desc);
comment on table public.dead_letters is
  'Messages a service gave up on (the DLQ stream), with why; dlq_seq is the dead letter''s sequence in the DLQ stream.';
comment on column public.dead_letters.service is 'The service that gave up (the last token of its DLQ subject).';
comment on column public.dead_letters.stream is 'Stream of the failed message; null when the dead letter was unreadable.';
comment on column public.dead_letters.subject is 'Subject of the failed message; null when the dead letter was unreadable.';
comment on column public.dead_letters.stream_seq is
  'Sequence of the failed message in its own stream; null when the dead letter was unreadable.';
comment on column public.dead_letters.failed_at is
  'When the service gave up; the DLQ stream''s time for an unreadable dead letter.';
comment on column public.dead_letters.payload is
  'The failed message''s exact bytes (may hold ciphertexts, never plain tokens); the whole dead letter when unreadable.';

-- We do not keep the id of someone who asked to be forgotten: user_hash only lets an operator match a repeated
-- request. One row per request, written in the deletion's own transaction, so 'completed' means the rows are gone.
create table public.deletion_requests (
  confirmation_code text primary key check (confirmation_code ~ '^[A-Za-z0-9]{16,64}$'),
  callback_id text not null unique check (callback_id ~ '^[0-9a-f]{64}$'),
  user_hash text not null check (user_hash ~ '^[0-9a-f]{64}$'),
  app text not null check (app in ('facebook', 'instagram')),
  status text not null check (status in ('completed', 'failed')),
  requested_at timestamptz not null,
  received_at timestamptz not null,
  completed_at timestamptz,
  deleted jsonb not null default '{}'::jsonb,
  error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index deletion_requests_user_hash_idx on public.deletion_requests (user_hash);
comment on table public.deletion_requests is
  'Meta''s data-deletion callbacks and their outcome, keyed by the confirmation code shown on the status page.';
comment on column public.deletion_requests.callback_id is 'sha256 hex of the signed_request: Meta sending it twice is one request.';
comment on column public.deletion_requests.user_hash is
  'sha256 hex of the app-scoped user id; the id itself is not kept.';
comment on column public.deletion_requests.app is 'Which app''s callback it was (Facebook Login or Instagram Login).';
comment on column public.deletion_requests.requested_at is 'issued_at of the signed_request.';
comment on column public.deletion_requests.received_at is 'When ingress received the callback.';
comment on column public.deletion_requests.completed_at is 'When the deletion committed; null unless completed.';
comment on column public.deletion_requests.deleted is 'Rows deleted per table, e.g. {"messages": 12, "pages": 1}.';
comment on column public.deletion_requests.error is 'Why a failed deletion failed (no personal data); null unless failed.';

-- A data deletion removes the raw bodies whose entries belong to the person's pages and Instagram accounts. Without
-- an index that is a scan of the whole log inside the deletion's transaction; the ids of a body's entries are few,
-- so a GIN index over them stays small and cheap to maintain.
create function public.webhook_entry_ids(body jsonb) returns text[]
language sql
immutable
parallel safe
set search_path = ''
as $$
  select coalesce(array_agg(e.value ->> 'id') filter (where e.value ->> 'id' is not null), '{}'::text[])
  from jsonb_array_elements(
    case when jsonb_typeof(body -> 'entry') = 'array' then body -> 'entry' else '[]'::jsonb end
  ) as e(value)
$$;
comment on function public.webhook_entry_ids(jsonb) is
  'The entry ids (Page or Instagram account ids) of a webhook body; empty when it has no entry array.';
create index webhook_logs_entry_ids_idx on public.webhook_logs using gin (public.webhook_entry_ids(body));

create trigger deletion_requests_set_updated_at before update on public.deletion_requests
  for each row execute function public.set_updated_at();

alter table public.dead_letters enable row level security;
alter table public.deletion_requests enable row level security;

-- Instagram's deauthorize and data-deletion callbacks name the person by their app-scoped id (`/me`'s id), not by
-- the professional account id webhooks use (`user_id`): keep both so the callbacks find the account.
alter table public.instagram_accounts add column app_scoped_user_id text;
create index instagram_accounts_app_scoped_user_id_idx on public.instagram_accounts (app_scoped_user_id)
  where app_scoped_user_id is not null;
comment on column public.instagram_accounts.app_scoped_user_id is
  'Instagram Login: the app-scoped id of the account''s user (named by Instagram''s deauthorize and deletion callbacks).';
