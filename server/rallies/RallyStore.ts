import type { RallyInput } from '../../shared/rallies.ts';

/** A stored rally: its fields and when it was made (ms since 1970). */
export interface RallyRow extends RallyInput {
  createdAt: number;
}

/**
 * Where the rally registry lives: SQLite beside the tiles (embedded) or PostgreSQL (cluster).
 * Small: a registry holds tens or hundreds of rallies.
 */
export interface RallyStore {
  list(): Promise<RallyRow[]>;
  /** Adds a rally; false when its code is taken. */
  create(r: RallyRow): Promise<boolean>;
  /** Replaces a rally's fields (not its code); false when there is none. */
  update(r: RallyInput): Promise<boolean>;
  close(): Promise<void>;
}

/** Row shape shared by both SQL stores. */
export interface RallySqlRow {
  code: string;
  name: string;
  city: string;
  time_zone: string;
  day: string;
  language: string;
  moderation: string | null;
  created_at: number | string;
}

/** A database row as a {@link RallyRow}. */
export function fromSql(x: RallySqlRow): RallyRow {
  return {
    code: x.code,
    name: x.name,
    city: x.city,
    timeZone: x.time_zone,
    date: x.day,
    language: x.language as RallyRow['language'],
    moderation: x.moderation === 'pre' || x.moderation === 'post' ? x.moderation : null,
    createdAt: Number(x.created_at),
  };
}

/** The columns in the order both stores write them. */
export function toSql(r: RallyInput): unknown[] {
  return [r.code, r.name, r.city, r.timeZone, r.date, r.language, r.moderation];
}
