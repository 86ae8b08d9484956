-- Full-text search (mirrors sql/postgres/005_search.sql). Two FTS5 tables that keep their own
-- copy of the text, so the tables they index stay as they were: the first 100,000 characters of
-- each user and assistant message (rowid = session_events.id), and each session's title and
-- summary. Triggers keep them current; the rows already stored are indexed here.
CREATE VIRTUAL TABLE IF NOT EXISTS session_events_fts USING fts5(
  body, session_id UNINDEXED, tokenize = 'unicode61 remove_diacritics 0');
CREATE VIRTUAL TABLE IF NOT EXISTS sessions_fts USING fts5(
  session_id UNINDEXED, title, summary, tokenize = 'unicode61 remove_diacritics 0');

INSERT INTO session_events_fts (rowid, body, session_id)
  SELECT id, substr(content, 1, 100000), session_id FROM session_events
  WHERE event_type IN ('user_message', 'assistant_message') AND content IS NOT NULL;
INSERT INTO sessions_fts (session_id, title, summary)
  SELECT session_id, title, summary FROM sessions WHERE title IS NOT NULL OR summary IS NOT NULL;

CREATE TRIGGER IF NOT EXISTS session_events_fts_insert AFTER INSERT ON session_events
  WHEN new.event_type IN ('user_message', 'assistant_message') AND new.content IS NOT NULL
BEGIN
  INSERT INTO session_events_fts (rowid, body, session_id)
    VALUES (new.id, substr(new.content, 1, 100000), new.session_id);
END;
CREATE TRIGGER IF NOT EXISTS session_events_fts_update AFTER UPDATE OF content, event_type
  ON session_events
BEGIN
  DELETE FROM session_events_fts WHERE rowid = old.id;
  INSERT INTO session_events_fts (rowid, body, session_id)
    SELECT new.id, substr(new.content, 1, 100000), new.session_id
    WHERE new.event_type IN ('user_message', 'assistant_message') AND new.content IS NOT NULL;
END;
CREATE TRIGGER IF NOT EXISTS session_events_fts_delete AFTER DELETE ON session_events
BEGIN
  DELETE FROM session_events_fts WHERE rowid = old.id;
END;

CREATE TRIGGER IF NOT EXISTS sessions_fts_insert AFTER INSERT ON sessions
  WHEN new.title IS NOT NULL OR new.summary IS NOT NULL
BEGIN
  INSERT INTO sessions_fts (session_id, title, summary)
    VALUES (new.session_id, new.title, new.summary);
END;
CREATE TRIGGER IF NOT EXISTS sessions_fts_update AFTER UPDATE OF title, summary ON sessions
BEGIN
  DELETE FROM sessions_fts WHERE session_id = old.session_id;
  INSERT INTO sessions_fts (session_id, title, summary)
    SELECT new.session_id, new.title, new.summary
    WHERE new.title IS NOT NULL OR new.summary IS NOT NULL;
END;
CREATE TRIGGER IF NOT EXISTS sessions_fts_delete AFTER DELETE ON sessions
BEGIN
  DELETE FROM sessions_fts WHERE session_id = old.session_id;
END;
