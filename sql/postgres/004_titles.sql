-- A short title per session: from its first user message, then from its summary, unless the
-- user renamed it. title_source says which: 'message', 'summary' or 'user'.
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS title TEXT;
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS title_source TEXT;
