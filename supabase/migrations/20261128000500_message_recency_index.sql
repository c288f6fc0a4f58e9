-- The newest messages of one Instagram account (GET /debug/messages?ig_id=, and the operator console's conversation
-- lists) order by Meta's time, or by when the row was stored for a placeholder that has none yet. The old
-- (ig_id, sent_at) index could not serve that order, so each such page sorted every message of the account: 49 ms
-- for 50,000 messages, growing with the account. This one serves it (0.2 ms) and still serves the lookups by ig_id
-- (data deletion), so the number of indexes a message write maintains stays the same.
drop index if exists public.messages_ig_id_sent_at_idx;
create index messages_ig_id_recent_idx on public.messages (ig_id, (coalesce(sent_at, created_at)) desc, message_id desc);
