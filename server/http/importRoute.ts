import { createHash } from 'node:crypto';
import { Router } from 'express';
import type { ImportAnswer } from '../../shared/adminApi.ts';
import { storedTileOf } from '../core/types.ts';
import { AppError } from '../errors.ts';
import type { ImportLedger } from '../importing/ImportLedger.ts';
import { requireAdmin } from '../safety/adminAuth.ts';
import { DUPLICATE_IMPORT_MESSAGE } from '../safety/DuplicateIndex.ts';
import type { Limiter } from '../safety/rateLimits.ts';
import type { HttpDeps } from './deps.ts';
import type { StorageGuard } from './StorageGuard.ts';
import { BodyPool, isRawPhoto, readRawUpload, readUpload, type UploadForm } from './upload.ts';

export interface ImportDeps extends HttpDeps {
  ledger: ImportLedger;
  /** null where tiles are not on this node's disk (cluster mode). */
  guard: StorageGuard | null;
  loginLimiter: Limiter;
}

/**
 * `POST /api/admin/import`: the bulk import's way in, behind the admin token and free of the
 * per-browser upload limits. The same form as `POST /api/tiles`, or the photo as the whole body
 * with the form's fields in the query (what the CLI sends), and the same pipeline (the rally's
 * rules, ingest, duplicate check, the mosaic's `add` on any kind of node), and once per file:
 * the SHA-256 of the bytes is claimed in the ledger first, so a file sent again is answered
 * `skipped`. The tile keeps a hash of it too, in its own row, so that what the ledger lost is
 * still found.
 */
export function importRoute(d: ImportDeps): Router {
  const r = Router();
  const bodies = new BodyPool();
  r.post(
    '/api/admin/import',
    d.loginLimiter.handler,
    requireAdmin(d.config.ADMIN_TOKEN),
    d.guard?.handler ?? ((_req, _res, next) => next()),
    async (req, res) => {
      const max = d.config.MAX_UPLOAD_MB * 1024 * 1024;
      const raw = isRawPhoto(req);
      const form = raw ? await readRawUpload(req, max, bodies) : await readUpload(req, max);
      let answer: ImportAnswer;
      try {
        answer = await importOne(form, req.query.resent === '1');
      } finally {
        // Hash, ingest and store are done with the bytes: nothing keeps the input photo.
        if (raw) bodies.give(form.photo);
      }
      res.setHeader('Cache-Control', 'no-store');
      res.status(answer.status === 'imported' ? 201 : answer.status === 'pending' ? 202 : 200).json(answer);
    },
  );
  return r;

  async function importOne(form: UploadForm, resent: boolean): Promise<ImportAnswer> {
    // An upload's rally rules: a code the registry does not hold (EVENTS=listed) is refused
    // before the file is claimed, and a rally's own moderation mode holds its photos too.
    d.rallies?.check(form.event);
    const hash = createHash('sha256').update(form.photo).digest('base64url');
    const claim = await d.ledger.claim(hash);
    if (claim.state === 'busy') {
      throw new AppError(
        409,
        'IMPORT_IN_PROGRESS',
        'This file is being imported by another request right now; send it again in a moment.',
        { 'Retry-After': '2' },
      );
    }
    if (claim.state === 'done') return skipped(claim.tileId, resent);
    try {
      // The ledger can lose track of a tile the file became (a crash between the tile's commit
      // and the ledger's, a disk that failed to keep a commit): the tile's own row says.
      const earlier = await d.service.tileOfImport(hash);
      if (earlier !== null) {
        await d.ledger.finish(hash, earlier);
        return skipped(earlier, resent);
      }
      const photo = await d.ingest(form.photo, { hideFaces: form.hideFaces });
      const { phash } = (await d.beforeStore?.(photo)) ?? { phash: null };
      const moderation = d.rallies?.moderationOf(form.event) ?? null;
      const added = await d.service.add(photo, { event: form.event, phash, moderation, importHash: hash });
      await d.ledger.finish(hash, added.id);
      return added.status === 'pending'
        ? { status: 'pending', id: added.id }
        : { status: 'imported', id: added.id, col: added.col, row: added.row, seq: added.seq };
    } catch (e) {
      // Stored but not yet placed (a cluster between placers): the file counts as imported,
      // and a retry is answered `skipped`; anything else frees the hash for another try.
      const stored = storedTileOf(e);
      if (stored !== null) await d.ledger.finish(hash, stored).catch(() => {});
      else await d.ledger.release(hash).catch(() => {});
      // The same picture from another file: said for the organiser, not for a couple.
      if (e instanceof AppError && e.code === 'DUPLICATE_PHOTO')
        throw new AppError(e.status, e.code, DUPLICATE_IMPORT_MESSAGE, e.headers);
      throw e;
    }
  }

  /**
   * A file imported before. Sent again after a lost answer, it is told its tile's age (and
   * whether it waits for review), so that the sender can tell its own lost try from an earlier
   * import; only then, since looking the tile up may cost a query in a cluster.
   */
  async function skipped(id: number, resent: boolean): Promise<ImportAnswer> {
    const tile = resent ? await d.service.storedAt(id) : null;
    if (!tile) return { status: 'skipped', id };
    return {
      status: 'skipped',
      id,
      ageMs: Math.max(0, Date.now() - tile.createdAt),
      ...(tile.pending ? { pending: true } : {}),
    };
  }
}
