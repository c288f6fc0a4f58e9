-- Automatic replies and outbound sends. The responder reads the rules and writes nothing itself: it publishes
-- send_requested / reply_sent / reply_failed events, which the persister writes here. Like the other event tables,
-- outbound_sends has no foreign keys (its events can arrive in any order and before the accounts are stored).

create table public.auto_reply_rules (
  id uuid primary key default gen_random_uuid(),
  -- The Instagram account (or page) the rule answers for.
  account_id text not null,
  kind text not null check (kind in ('keyword', 'default')),
  match text check (match in ('exact', 'contains')),
  keyword text,
  reply text not null check (length(reply) > 0),
  priority int not null default 100,
  enabled boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint auto_reply_rules_keyword_check
    check (kind <> 'keyword' or (match is not null and keyword is not null and length(keyword) > 0))
);
create index auto_reply_rules_account_id_idx on public.auto_reply_rules (account_id, priority, created_at);
comment on table public.auto_reply_rules is
  'Automatic replies per Instagram account or page: keyword rules (exact or contains) and a default; lowest priority first.';
comment on column public.auto_reply_rules.match is 'How a keyword rule matches the message text; null for default rules.';

create table public.outbound_sends (
  -- The send id: `reply:<inbound mid>` for automatic replies, the command id for manual sends.
  id text primary key,
  account_id text not null,
  recipient_id text not null,
  text text not null,
  status text not null check (status in ('queued', 'sent', 'failed')),
  message_id text,
  reason text,
  error_code int,
  error_subcode int,
  in_reply_to text,
  rule_id text,
  requested_at timestamptz,
  sent_at timestamptz,
  failed_at timestamptz,
  updated_at timestamptz not null default now()
);
create index outbound_sends_account_id_recipient_id_idx on public.outbound_sends (account_id, recipient_id);
comment on table public.outbound_sends is
  'One row per send (manual or automatic): queued, then sent (with Meta''s message id) or failed (with why); sent is final.';
comment on column public.outbound_sends.requested_at is 'occurredAt of send_requested; null for automatic replies.';
comment on column public.outbound_sends.failed_at is 'occurredAt of the newest reply_failed; the reason and codes are its.';

create trigger auto_reply_rules_set_updated_at before update on public.auto_reply_rules
  for each row execute function public.set_updated_at();
create trigger outbound_sends_set_updated_at before update on public.outbound_sends
  for each row execute function public.set_updated_at();

alter table public.auto_reply_rules enable row level security;
alter table public.outbound_sends enable row level security;
