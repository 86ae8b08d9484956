-- Durable summary state: failed attempts and the last error, and the indexes the program's
-- queries use.
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS summary_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS summary_error TEXT;

CREATE INDEX IF NOT EXISTS session_events_session_id_id_idx ON session_events (session_id, id);
CREATE INDEX IF NOT EXISTS sessions_start_time_idx ON sessions (start_time DESC);
CREATE INDEX IF NOT EXISTS sessions_user_id_start_time_idx ON sessions (user_id, start_time DESC);
CREATE INDEX IF NOT EXISTS sessions_needing_summary_idx ON sessions (end_time)
  WHERE summary IS NULL AND end_time IS NOT NULL;
CREATE INDEX IF NOT EXISTS sessions_active_idx ON sessions (start_time) WHERE end_time IS NULL;
