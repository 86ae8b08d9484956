-- Mirrors sql/postgres/003_instances.sql (times are ISO 8601 UTC text).
CREATE TABLE IF NOT EXISTS rtai_instances (
  instance_id TEXT PRIMARY KEY NOT NULL,
  host TEXT,
  pid INTEGER,
  started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  heartbeat_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  lease_expires_at TEXT NOT NULL
);

ALTER TABLE sessions ADD COLUMN owner_instance TEXT;
ALTER TABLE sessions ADD COLUMN summary_claimed_by TEXT;
ALTER TABLE sessions ADD COLUMN summary_claim_expires_at TEXT;

CREATE INDEX IF NOT EXISTS sessions_active_owner_idx ON sessions (owner_instance)
  WHERE end_time IS NULL;
