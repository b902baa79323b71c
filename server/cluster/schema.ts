import type pg from 'pg';

/**
 * The cluster's PostgreSQL schema, as numbered migrations. Each runs once, in order, in its
 * own transaction; `migrate` holds a transaction-scoped advisory lock while it works, so
 * nodes that start at the same moment apply each migration exactly once.
 */
export const MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
CREATE TABLE mosaic (
  id int PRIMARY KEY CHECK (id = 1),
  cols int NOT NULL,
  rows int NOT NULL,
  seq bigint NOT NULL,
  epoch bigint NOT NULL,
  -- The placer's fencing term: bumped by each node that becomes placer, checked in every commit.
  term bigint NOT NULL DEFAULT 0
);
CREATE SEQUENCE tile_ids;
-- status: queued (stored, waiting for the placer), live, pending (waiting for review)
CREATE TABLE tiles (
  id bigint PRIMARY KEY,
  status text NOT NULL,
  cell_col int NOT NULL DEFAULT -1,
  cell_row int NOT NULL DEFAULT -1,
  tint_r smallint NOT NULL DEFAULT 0,
  tint_g smallint NOT NULL DEFAULT 0,
  tint_b smallint NOT NULL DEFAULT 0,
  event text,
  created_at bigint NOT NULL,
  delete_hash text NOT NULL,
  features bytea NOT NULL,
  rgb int NOT NULL,
  phash text
);
CREATE INDEX tiles_not_live ON tiles (status, id) WHERE status <> 'live';
CREATE TABLE tile_files (
  id bigint NOT NULL REFERENCES tiles (id) ON DELETE CASCADE,
  size int NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (id, size)
);
-- The durable change log: one row per change, numbered by seq, written in the placer's commit.
CREATE TABLE changes (
  seq bigint PRIMARY KEY,
  epoch bigint NOT NULL,
  term bigint NOT NULL,
  type smallint NOT NULL,
  id bigint,
  cell_col int,
  cell_row int,
  tint_r smallint,
  tint_g smallint,
  tint_b smallint,
  rgb int,
  event text,
  created_at bigint,
  -- a growth: its new grid and every placement (see logCodec.ts)
  cols int,
  rows int,
  layout bytea
);
-- The placer's inbox: uploads to place and every other mutation, answered in the same commit.
CREATE TABLE requests (
  id bigserial PRIMARY KEY,
  kind text NOT NULL,
  payload jsonb NOT NULL,
  state text NOT NULL DEFAULT 'queued',
  result jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  done_at timestamptz
);
CREATE INDEX requests_queued ON requests (id) WHERE state = 'queued';
`,
  },
  {
    version: 2,
    sql: `
-- The organiser's rally registry (server/rallies/).
CREATE TABLE rallies (
  code text PRIMARY KEY,
  name text NOT NULL,
  city text NOT NULL,
  time_zone text NOT NULL,
  day text NOT NULL,
  language text NOT NULL,
  moderation text,
  created_at bigint NOT NULL
);
`,
  },
  {
    version: 3,
    sql: `
-- The bulk import's ledger: the SHA-256 of each imported file's bytes and the tile it became
-- (null while a request is importing it), so that an import run again adds nothing twice.
CREATE TABLE import_hashes (
  hash text PRIMARY KEY,
  tile_id bigint,
  claimed_at timestamptz NOT NULL DEFAULT now()
);
`,
  },
  {
    version: 4,
    sql: `
-- The hash of an upload's Idempotency-Key, so that a late retry finds its tile (only keyed rows are indexed).
ALTER TABLE tiles ADD COLUMN key_hash text;
CREATE INDEX tiles_by_key ON tiles (key_hash) WHERE key_hash IS NOT NULL;
`,
  },
  {
    version: 5,
    sql: `
-- Which process claimed a file being imported (its sessions' application_name): a claim whose
-- process has no session left died with it, and is taken over at once.
ALTER TABLE import_hashes ADD COLUMN claimed_by text;
`,
  },
];

/** Any 64-bit number; the same on every node. */
const MIGRATION_LOCK = 0x6b697373_0001n;

/** Applies the migrations this database lacks; safe when several nodes call it at once. */
export async function migrate(pool: pg.Pool): Promise<number[]> {
  const applied: number[] = [];
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK.toString()]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set(
      (await client.query('SELECT version FROM schema_migrations')).rows.map((r) => r.version as number),
    );
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [m.version]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    client.release();
  }
  return applied;
}
