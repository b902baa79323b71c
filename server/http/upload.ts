import Busboy from 'busboy';
import type { Request } from 'express';
import { isEventCode } from '../../shared/rally.ts';
import { AppError } from '../errors.ts';

/** What a contributor sent: the photo bytes and the form's other fields. */
export interface UploadForm {
  photo: Buffer;
  event: string | null;
  hideFaces: boolean;
}

/** The form's rally code: a canonical one (shared/rally.ts), or null when absent or empty; 400 BAD_EVENT otherwise. */
export function parseEvent(raw: string | undefined | null): string | null {
  if (raw === undefined || raw === null || raw === '') return null;
  if (!isEventCode(raw)) {
    throw new AppError(
      400,
      'BAD_EVENT',
      'The event code must be 1-32 lower-case letters, digits or dashes, starting and ending with a letter or digit, like "london".',
    );
  }
  return raw;
}

/**
 * Reads a multipart upload with field `photo` into memory, refusing anything over
 * maxBytes as soon as it is known (Content-Length, then the streamed byte count).
 */
export function readUpload(req: Request, maxBytes: number): Promise<UploadForm> {
  const tooLarge = () =>
    new AppError(413, 'FILE_TOO_LARGE', `The photo is larger than ${Math.round(maxBytes / 1048576)} MB.`);
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes + 64 * 1024) return Promise.reject(tooLarge());
  if (!req.is('multipart/form-data')) {
    return Promise.reject(
      new AppError(400, 'NO_PHOTO', 'Send the photo as multipart/form-data in a field named "photo".'),
    );
  }
  return new Promise((resolve, reject) => {
    let bb: Busboy.Busboy;
    try {
      bb = Busboy({
        headers: req.headers,
        limits: { fileSize: maxBytes, files: 1, fields: 8, fieldSize: 1024, parts: 12 },
      });
    } catch {
      reject(new AppError(400, 'BAD_REQUEST', 'The upload form could not be read.'));
      return;
    }
    const chunks: Buffer[] = [];
    const fields: Record<string, string> = {};
    let gotPhoto = false;
    let failed: AppError | null = null;
    const fail = (e: AppError) => {
      if (!failed) failed = e;
      req.unpipe(bb);
      req.resume();
      reject(e);
    };
    bb.on('file', (name, stream) => {
      if (name !== 'photo' || gotPhoto) {
        stream.resume();
        return;
      }
      gotPhoto = true;
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => fail(tooLarge()));
    });
    bb.on('field', (name, value) => {
      fields[name] = value;
    });
    bb.on('error', () => fail(new AppError(400, 'BAD_REQUEST', 'The upload was cut off or malformed.')));
    bb.on('close', () => {
      if (failed) return;
      if (!gotPhoto) {
        reject(new AppError(400, 'NO_PHOTO', 'No photo was sent: add the image in a field named "photo".'));
        return;
      }
      try {
        resolve({
          photo: Buffer.concat(chunks),
          event: parseEvent(fields.event),
          hideFaces: fields.hideFaces === '1' || fields.hideFaces === 'true',
        });
      } catch (e) {
        reject(e);
      }
    });
    req.on('aborted', () => fail(new AppError(400, 'BAD_REQUEST', 'The upload was cut off.')));
    req.pipe(bb);
  });
}

/**
 * Reads a photo sent as the whole request body (`Content-Type: application/octet-stream` or
 * `image/*`), with the form's other fields in the query (`?event=london&hideFaces=1`): what the
 * bulk import sends, without multipart's encoding on one side and parsing on the other. The
 * bytes land in one buffer sized by Content-Length when it is given.
 */
export function readRawUpload(req: Request, maxBytes: number, pool?: BodyPool): Promise<UploadForm> {
  const tooLarge = () =>
    new AppError(413, 'FILE_TOO_LARGE', `The photo is larger than ${Math.round(maxBytes / 1048576)} MB.`);
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > maxBytes) return Promise.reject(tooLarge());
  const query = (k: string) => (typeof req.query[k] === 'string' ? (req.query[k] as string) : undefined);
  let event: string | null;
  try {
    event = parseEvent(query('event'));
  } catch (e) {
    req.resume();
    return Promise.reject(e);
  }
  const hideFaces = query('hideFaces') === '1' || query('hideFaces') === 'true';
  return new Promise((resolve, reject) => {
    const sized =
      Number.isInteger(declared) && declared > 0
        ? (pool?.take(declared) ?? Buffer.allocUnsafe(declared))
        : null;
    const chunks: Buffer[] = [];
    let got = 0;
    let failed = false;
    const fail = (e: AppError) => {
      if (failed) return;
      failed = true;
      req.resume();
      reject(e);
    };
    req.on('data', (c: Buffer) => {
      if (failed) return;
      if (got + c.length > (sized ? sized.length : maxBytes)) {
        fail(
          sized
            ? new AppError(400, 'BAD_REQUEST', 'The body is longer than its Content-Length.')
            : tooLarge(),
        );
        return;
      }
      if (sized) c.copy(sized, got);
      else chunks.push(c);
      got += c.length;
    });
    req.on('aborted', () => fail(new AppError(400, 'BAD_REQUEST', 'The upload was cut off.')));
    req.on('error', () => fail(new AppError(400, 'BAD_REQUEST', 'The upload was cut off.')));
    req.on('end', () => {
      if (failed) return;
      if (got === 0) return fail(new AppError(400, 'NO_PHOTO', 'No photo was sent: the body is empty.'));
      if (sized && got !== sized.length)
        return fail(new AppError(400, 'BAD_REQUEST', 'The upload was cut off.'));
      resolve({ photo: sized ?? Buffer.concat(chunks), event, hideFaces });
    });
  });
}

/**
 * Buffers for whole-body photos, used again from request to request: a bulk import sends
 * thousands of photos of a few MB, and a fresh buffer for each one is external memory that
 * only V8's full collections give back, so they run every few photos (docs/BENCHMARKS.md).
 * A buffer goes back with {@link give} once nothing reads the photo any more. At most
 * `keepBytes` wait here; larger photos get their own buffers as before.
 */
export class BodyPool {
  private free: Buffer[] = [];
  private kept = 0;
  /** The memory this pool handed out: only that comes back (a small Buffer may share Node's slab). */
  private readonly own = new WeakSet<ArrayBufferLike>();
  constructor(private readonly keepBytes = 32 * 1024 * 1024) {}

  /** A buffer of exactly `size` bytes (a view of a pooled one, or a fresh one). */
  take(size: number): Buffer {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i]!;
      if (b.length >= size && (best < 0 || b.length < this.free[best]!.length)) best = i;
    }
    if (best < 0) {
      const fresh = Buffer.allocUnsafeSlow(size);
      this.own.add(fresh.buffer);
      return fresh;
    }
    const [buf] = this.free.splice(best, 1);
    this.kept -= buf!.length;
    return buf!.subarray(0, size);
  }

  /**
   * Gives back what {@link take} gave; the caller must not touch it afterwards. Any other
   * buffer (a body without Content-Length, joined from its chunks) is left to the collector.
   */
  give(view: Buffer): void {
    if (!this.own.has(view.buffer) || view.byteOffset !== 0) return;
    const whole = Buffer.from(view.buffer, 0, view.buffer.byteLength);
    if (this.kept + whole.length > this.keepBytes) return;
    this.free.push(whole);
    this.kept += whole.length;
  }
}

/** True when the request carries the photo as its whole body (see {@link readRawUpload}). */
export function isRawPhoto(req: Request): boolean {
  return !!req.is(['application/octet-stream', 'image/*']);
}
