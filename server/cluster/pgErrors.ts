import { AppError } from '../errors.ts';

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);

/**
 * True for an error that says the database cannot be reached or went away (connection
 * refused or lost, the server shutting down or not accepting connections), as opposed to a
 * query the database refused.
 */
export function isUnavailable(e: unknown): boolean {
  const err = e as { code?: string; message?: string } | null;
  if (!err) return false;
  if (err.code && CONNECTION_CODES.has(err.code)) return true;
  // SQLSTATE classes 08 (connection exception) and 57P (operator intervention: shutdown).
  if (err.code && (/^08/.test(err.code) || /^57P0[1-3]$/.test(err.code))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED|Client has encountered a connection error/i.test(
    err.message ?? '',
  );
}

/** `p`, failing with {@link storeError}'s answer: 503 STORE_UNAVAILABLE when the database is away. */
export function fromStore<T>(p: Promise<T>): Promise<T> {
  return p.catch((e) => {
    throw storeError(e);
  });
}

/** The error to answer with: 503 STORE_UNAVAILABLE when the database is away, else the error itself. */
export function storeError(e: unknown): unknown {
  if (e instanceof AppError) return e;
  if (isUnavailable(e)) {
    return new AppError(
      503,
      'STORE_UNAVAILABLE',
      'The mosaic cannot reach its database right now; nothing was stored. Please try again in a minute.',
      { 'Retry-After': '10' },
    );
  }
  return e;
}
