import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new secret delete token (shown to the contributor once) and the hash that is stored. */
export function newDeleteToken(): { token: string; hash: string } {
  const token = randomBytes(24).toString('base64url');
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Constant-time comparison of a presented token with a stored hash. */
export function tokenMatches(token: string, hash: string): boolean {
  const a = Buffer.from(hashToken(token), 'hex');
  const b = Buffer.from(hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The delete token of an upload sent with an Idempotency-Key: derived from the key, so that a
 * retry with the key, however late (a phone that kept its kiss for days, a server restarted
 * since), gets the same token back without the token being stored. The key is the browser's
 * own random secret (128 bits from the contribute page) and stays as secret as the token.
 */
export function keyedDeleteToken(key: string): { token: string; hash: string } {
  const token = createHash('sha256')
    .update(`delete-token\0${key}`)
    .digest()
    .subarray(0, 24)
    .toString('base64url');
  return { token, hash: hashToken(token) };
}

/** What the store keeps of an upload's Idempotency-Key to find its tile again: a hash, never the key. */
export function uploadKeyHash(key: string): string {
  return createHash('sha256').update(`upload-key\0${key}`).digest('hex');
}

/**
 * What the store keeps of an imported file, in the tile's own row, to find its tile again after
 * the import's ledger lost track (a crash between the tile's commit and the ledger's, a disk that
 * failed to keep a commit): a hash of the file's SHA-256. Its own prefix, so that no
 * Idempotency-Key sent to `POST /api/tiles` can find an imported tile, or take it out.
 */
export function importKeyHash(fileHash: string): string {
  return createHash('sha256').update(`import-file\0${fileHash}`).digest('hex');
}

/** The key hash a new tile is stored with: its upload's key, or its imported file's hash, or none. */
export function storedKeyHash(meta: { key?: string | null; importHash?: string | null }): string | null {
  if (meta.key) return uploadKeyHash(meta.key);
  return meta.importHash ? importKeyHash(meta.importHash) : null;
}
