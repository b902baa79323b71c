/**
 * Which files the bulk import has already brought in, by the SHA-256 of their bytes: the
 * server checks it, so that running an import again (or after it was killed) adds nothing
 * twice. It keeps the hash, the tile it became and when; never the file or anything about
 * a person. `SqliteImportLedger` (embedded) and `PgImportLedger` (cluster) implement it.
 */
export interface ImportLedger {
  /**
   * Takes the right to import the file with `hash`: `claimed` (go on, then call
   * {@link finish} or {@link release}), `done` with the tile it became, or `busy` while
   * another request is importing the same bytes.
   */
  claim(hash: string): Promise<Claim>;
  /** Records the claimed file as imported, as tile `tileId`. */
  finish(hash: string, tileId: number): Promise<void>;
  /** Gives a claim back after a refusal or failure, so that a later try does the work anew. */
  release(hash: string): Promise<void>;
  close(): Promise<void>;
}

export type Claim = { state: 'claimed' } | { state: 'busy' } | { state: 'done'; tileId: number };

/**
 * A claim older than this is taken to be left by a process that died mid-import, and may be
 * taken again. Far longer than one photo takes (under a second, or PLACER_WAIT_MS in a cluster).
 */
export const STALE_CLAIM_MS = 5 * 60_000;
