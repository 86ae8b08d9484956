-- Full-text search over the first 100,000 characters of user and assistant messages and over
-- sessions' titles and summaries. Expression indexes only: no column or trigger is added, so
-- the original service's writes are unchanged. The 'simple' configuration (lower-cased words,
-- no stemming, no stop words) because transcripts are in any language, and so a word matches
-- the same way as SQLite's FTS5 unicode61 tokenizer does. left() keeps every tsvector under
-- PostgreSQL's 1 MB limit, so a huge reply can still be stored.
CREATE INDEX IF NOT EXISTS session_events_search_idx ON session_events
  USING GIN (to_tsvector('simple'::regconfig, left(content, 100000)))
  WHERE event_type IN ('user_message', 'assistant_message');
CREATE INDEX IF NOT EXISTS sessions_search_idx ON sessions
  USING GIN (to_tsvector('simple'::regconfig, COALESCE(title, '') || ' ' || COALESCE(summary, '')));
