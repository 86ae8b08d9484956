-- Several instances on one database: each process's lease (renewed by its heartbeat), the
-- instance that owns each live session, and the claim on each pending summary.
CREATE TABLE IF NOT EXISTS rtai_instances (
  instance_id TEXT PRIMARY KEY,
  host TEXT,
  pid BIGINT,
  started_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  heartbeat_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  lease_expires_at TIMESTAMP WITH TIME ZONE NOT NULL
);
-- Like the seed's tables: not exposed through Supabase's REST API.
ALTER TABLE rtai_instances ENABLE ROW LEVEL SECURITY;

ALTER TABLE sessions ADD COLUMN IF NOT EXISTS owner_instance TEXT;
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS summary_claimed_by TEXT;
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS summary_claim_expires_at TIMESTAMP WITH TIME ZONE;

CREATE INDEX IF NOT EXISTS sessions_active_owner_idx ON sessions (owner_instance)
  WHERE end_time IS NULL;
