import type pg from 'pg';
import type { TileSize } from '../../shared/httpApi.ts';

/** The `size` under which `tile_files` keeps the 32 px tile as raw RGB (beside the 128 and 512 px WebPs; tiles stored before also have a 32). */
export const RGB32_SIZE = 0;

/** The row an upload stores beside its images, as the upload's node made it. */
export interface UploadRow {
  event: string | null;
  createdAt: number;
  deleteHash: string;
  features: Float32Array;
  /** Mean colour as 0xRRGGBB. */
  rgb: number;
  phash: string | null;
  /** The rally's own moderation mode, or null for the server's; the placer reads it from the request. */
  moderation?: 'post' | 'pre' | null;
  /** The hash of the upload's Idempotency-Key, if it had one (deleteToken.ts's uploadKeyHash). */
  keyHash?: string | null;
}

/**
 * Where a cluster keeps its tiles' images (the WebP files, and the 32 px tile's raw pixels), for every node to store and read
 * through. {@link PgTileImages} keeps them in PostgreSQL. An object store can take its place:
 * its storeUpload() would put the files first, under an id drawn from `tile_ids`, then commit
 * the row and the request; read() would fetch; drop() would delete once the placer's commit
 * has removed the rows (a crash in between leaves objects that a sweep by id can remove).
 */
export interface TileImages {
  /**
   * Stores a new tile atomically: its images durably, its row (status `queued`) and the
   * placer's `place` request. Returns the tile's id and the request's.
   */
  storeUpload(
    row: UploadRow,
    files: ReadonlyMap<TileSize, Buffer>,
    rgb32?: Buffer,
  ): Promise<{ id: number; request: number }>;
  /** One image of a tile, or null when the tile or the size is unknown. */
  read(id: number, size: TileSize): Promise<Buffer | null>;
  /** The tile's 32 px pixels as raw RGB, or null when not stored (then its 32 px WebP is decoded). */
  readRgb32(id: number): Promise<Buffer | null>;
  /** Called after the placer's commit removed these tiles' rows. */
  drop(ids: readonly number[]): Promise<void>;
}

/**
 * Tile images in PostgreSQL (`tile_files`, bytea, deleted with their row by ON DELETE CASCADE).
 * An upload is one statement, so one round trip: the row, its files and the request commit together.
 */
export class PgTileImages implements TileImages {
  constructor(private readonly pool: pg.Pool) {}

  async storeUpload(
    row: UploadRow,
    files: ReadonlyMap<TileSize, Buffer>,
    rgb32?: Buffer,
  ): Promise<{ id: number; request: number }> {
    const sizes: number[] = [...files.keys()];
    const data = sizes.map((s) => files.get(s as TileSize)!);
    if (rgb32) {
      sizes.push(RGB32_SIZE);
      data.push(rgb32);
    }
    const res = await this.pool.query(
      `WITH t AS (
         INSERT INTO tiles (id, status, event, created_at, delete_hash, features, rgb, phash, key_hash)
         VALUES (nextval('tile_ids'), 'queued', $1, $2, $3, $4, $5, $6, $10) RETURNING id),
       f AS (INSERT INTO tile_files (id, size, data)
             SELECT t.id, u.s, u.d FROM t, unnest($7::int[], $8::bytea[]) AS u(s, d))
       INSERT INTO requests (kind, payload) SELECT 'place', jsonb_build_object('id', t.id, 'moderation', $9::text) FROM t
       RETURNING id AS request, (payload->>'id')::bigint AS id`,
      [
        row.event,
        row.createdAt,
        row.deleteHash,
        Buffer.from(row.features.buffer, row.features.byteOffset, row.features.byteLength),
        row.rgb,
        row.phash,
        sizes,
        data,
        row.moderation ?? null,
        row.keyHash ?? null,
      ],
    );
    return { id: res.rows[0].id as number, request: res.rows[0].request as number };
  }

  async read(id: number, size: TileSize): Promise<Buffer | null> {
    return this.readSize(id, size);
  }

  async readRgb32(id: number): Promise<Buffer | null> {
    return this.readSize(id, RGB32_SIZE);
  }

  private async readSize(id: number, size: number): Promise<Buffer | null> {
    const r = await this.pool.query('SELECT data FROM tile_files WHERE id = $1 AND size = $2', [id, size]);
    return (r.rows[0]?.data as Buffer | undefined) ?? null;
  }

  async drop(_ids: readonly number[]): Promise<void> {
    // The placer's DELETE of the rows took the files with them, in the same commit.
  }
}
