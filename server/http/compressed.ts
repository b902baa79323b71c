/**
 * API answers compressed on the fly, where that pays: the binary snapshot (12 bytes a tile,
 * 12 MB at a million tiles) and large JSON. Small answers go as they are. The settings
 * were chosen with test/bench/compression.ts: on a snapshot, brotli quality 5 is the first
 * that saves a third of the bytes (lower qualities and every gzip level save about a
 * sixth), for about a second of one thread per million tiles, once per frame; higher
 * qualities save no more. Gzip, for clients without brotli, stays at zlib's default level.
 */

import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Request, Response } from 'express';
import { type Coding, chooseCoding } from './encoding.ts';

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

/** Answers smaller than this go uncompressed: a packet or two either way. */
export const MIN_COMPRESSED_BYTES = 1024;

/** The brotli quality and gzip level for answers compressed as they are asked for. */
export const LIVE_QUALITY: Readonly<Record<Coding, number>> = { br: 5, gzip: 6 };

/** Compresses `data` with the live settings (or the given quality). */
export function compressLive(
  data: Uint8Array,
  coding: Coding,
  quality = LIVE_QUALITY[coding],
): Promise<Buffer> {
  return coding === 'br'
    ? brotli(data, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: quality,
          [constants.BROTLI_PARAM_SIZE_HINT]: data.byteLength,
        },
      })
    : gz(data, { level: quality });
}

/**
 * The compressed copies of the last body sent through it, one per coding: the snapshot is
 * the same bytes for every request until the next seq is encoded, so it is compressed once
 * per frame and every later request (and every concurrent one) shares the result.
 */
export class CompressedCache {
  private body: Uint8Array | null = null;
  private copies = new Map<Coding, Promise<Buffer>>();

  get(body: Uint8Array, coding: Coding): Promise<Buffer> {
    if (body !== this.body) {
      this.body = body;
      this.copies = new Map();
    }
    let copy = this.copies.get(coding);
    if (!copy) {
      const copies = this.copies;
      copy = compressLive(body, coding);
      // A failed compression is not kept: the next request tries again.
      copy.catch(() => copies.delete(coding));
      copies.set(coding, copy);
    }
    return copy;
  }
}

/**
 * Composed pages by key, each with its compressed copies, kept while it stays the same bytes:
 * a page asked for by a crowd at once is compressed once per change, not once per request.
 * At most `max` keys, the least recently asked for going first.
 */
export class KeptPages {
  private readonly pages = new Map<string, { html: string; body: Buffer; compressed: CompressedCache }>();

  constructor(private readonly max: number) {}

  /** The body of `html` and its compressed copies, shared with earlier requests for the same bytes under `key`. */
  get(key: string, html: string): { body: Buffer; compressed: CompressedCache } {
    let kept = this.pages.get(key);
    if (kept?.html !== html) kept = { html, body: Buffer.from(html), compressed: new CompressedCache() };
    this.pages.delete(key);
    this.pages.set(key, kept);
    if (this.pages.size > this.max) this.pages.delete(this.pages.keys().next().value!);
    return kept;
  }
}

/**
 * Ends the answer with `body`, compressed in the coding the request accepts best when it is
 * at least {@link MIN_COMPRESSED_BYTES}; as it is otherwise. The caller sets Content-Type.
 */
export async function sendCompressed(
  req: Request,
  res: Response,
  body: Uint8Array,
  cache?: CompressedCache,
): Promise<void> {
  res.vary('Accept-Encoding');
  const coding =
    body.byteLength >= MIN_COMPRESSED_BYTES ? chooseCoding(req.headers['accept-encoding']) : null;
  const data = coding ? await (cache ? cache.get(body, coding) : compressLive(body, coding)) : body;
  if (coding) res.setHeader('Content-Encoding', coding);
  res.setHeader('Content-Length', data.byteLength);
  res.end(req.method === 'HEAD' ? undefined : data);
}

/** res.json, compressed like {@link sendCompressed} when large. */
export function sendJson(req: Request, res: Response, value: unknown): Promise<void> {
  res.type('application/json');
  return sendCompressed(req, res, Buffer.from(JSON.stringify(value)));
}
