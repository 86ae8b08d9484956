-- The title and summary index found the row to replace by reading all of sessions_fts (its
-- session_id is UNINDEXED), so every title or summary stored took time in proportion to the
-- sessions indexed: 10,000 first messages kept the database thread busy for about a minute.
-- Each indexed session now has a stable integer key (an INTEGER PRIMARY KEY, which VACUUM
-- keeps), the index's rowid, so a row is found at once. No OR IGNORE in the triggers: the
-- upsert that reopens a session would override it (its ON CONFLICT wins) and fail.
DROP TRIGGER IF EXISTS sessions_fts_insert;
DROP TRIGGER IF EXISTS sessions_fts_update;
DROP TRIGGER IF EXISTS sessions_fts_delete;
DROP TABLE IF EXISTS sessions_fts;

CREATE TABLE IF NOT EXISTS sessions_fts_keys (
  id INTEGER PRIMARY KEY, session_id TEXT NOT NULL UNIQUE);
CREATE VIRTUAL TABLE IF NOT EXISTS sessions_fts USING fts5(
  session_id UNINDEXED, title, summary, tokenize = 'unicode61 remove_diacritics 0');

INSERT OR IGNORE INTO sessions_fts_keys (session_id)
  SELECT session_id FROM sessions WHERE title IS NOT NULL OR summary IS NOT NULL;
INSERT INTO sessions_fts (rowid, session_id, title, summary)
  SELECT k.id, s.session_id, s.title, s.summary FROM sessions s
  JOIN sessions_fts_keys k ON k.session_id = s.session_id;

CREATE TRIGGER IF NOT EXISTS sessions_fts_insert AFTER INSERT ON sessions
  WHEN new.title IS NOT NULL OR new.summary IS NOT NULL
BEGIN
  INSERT INTO sessions_fts_keys (session_id) SELECT new.session_id
    WHERE NOT EXISTS (SELECT 1 FROM sessions_fts_keys WHERE session_id = new.session_id);
  INSERT INTO sessions_fts (rowid, session_id, title, summary)
    SELECT id, new.session_id, new.title, new.summary FROM sessions_fts_keys
    WHERE session_id = new.session_id;
END;
CREATE TRIGGER IF NOT EXISTS sessions_fts_update AFTER UPDATE OF title, summary ON sessions
BEGIN
  DELETE FROM sessions_fts
    WHERE rowid = (SELECT id FROM sessions_fts_keys WHERE session_id = old.session_id);
  INSERT INTO sessions_fts_keys (session_id) SELECT new.session_id
    WHERE (new.title IS NOT NULL OR new.summary IS NOT NULL)
    AND NOT EXISTS (SELECT 1 FROM sessions_fts_keys WHERE session_id = new.session_id);
  INSERT INTO sessions_fts (rowid, session_id, title, summary)
    SELECT id, new.session_id, new.title, new.summary FROM sessions_fts_keys
    WHERE session_id = new.session_id AND (new.title IS NOT NULL OR new.summary IS NOT NULL);
END;
CREATE TRIGGER IF NOT EXISTS sessions_fts_delete AFTER DELETE ON sessions
BEGIN
  DELETE FROM sessions_fts
    WHERE rowid = (SELECT id FROM sessions_fts_keys WHERE session_id = old.session_id);
  DELETE FROM sessions_fts_keys WHERE session_id = old.session_id;
END;
