import { type Request, Router } from 'express';
import {
  DELETE_TOKEN_PATTERN,
  isTileSize,
  type PreviewAnswer,
  TILE_SIZES,
  type TilePublic,
  type TileStatusAnswer,
  type UploadAnswer,
} from '../../shared/httpApi.ts';
import type { AddedTile } from '../core/types.ts';
import { AppError } from '../errors.ts';
import { previewCrop } from '../ingest/pipeline.ts';
import { type HttpDeps, imageCaching } from './deps.ts';
import { parseId } from './errorHandler.ts';
import { readUpload } from './upload.ts';
import { idempotencyKey, UploadReplies, type UploadReply } from './uploadReplies.ts';

/** The delete token in an Authorization header. */
const BEARER = new RegExp(`^Bearer (${DELETE_TOKEN_PATTERN})$`);

/** POST/GET/DELETE /api/tiles and the tile images under /tiles. */
export function tileRoutes(d: HttpDeps): Router {
  const r = Router();
  const replies = d.replies ?? new UploadReplies();
  // A retry must not report a tile that is gone as added.
  d.service.subscribeTiles((e) => {
    if (e.type === 'deleted') void replies.forget(e.ids);
  });

  const answerOf = (added: AddedTile): UploadReply => {
    if (added.status === 'pending')
      return { status: 202, body: { id: added.id, status: 'pending', deleteToken: added.deleteToken } };
    const body: UploadAnswer = {
      id: added.id,
      col: added.col,
      row: added.row,
      seq: added.seq,
      deleteToken: added.deleteToken,
    };
    return { status: 201, body };
  };

  const store = async (req: Parameters<typeof readUpload>[0], key: string | null): Promise<UploadReply> => {
    // A retry later than the kept answers (a phone that kept its kiss for hours, a restart since)
    // whose first try was stored: that tile's answer, rebuilt, with the token derived from the key.
    const stored = key ? await d.service.tileOfKey(key) : null;
    if (stored) {
      req.resume();
      return { ...answerOf(stored), replayed: true };
    }
    const form = await readUpload(req, d.config.MAX_UPLOAD_MB * 1024 * 1024);
    d.rallies?.check(form.event);
    const photo = await d.ingest(form.photo, { hideFaces: form.hideFaces });
    const { phash } = (await d.beforeStore?.(photo)) ?? { phash: null };
    const moderation = d.rallies?.moderationOf(form.event) ?? null;
    return answerOf(await d.service.add(photo, { event: form.event, phash, moderation, key }));
  };

  r.post('/api/tiles', async (req, res) => {
    const key = idempotencyKey(req.headers['idempotency-key']);
    let reply = key ? await replies.replay(key) : null;
    if (reply) {
      // The same photo again after a lost answer: the first answer, not a duplicate refusal.
      req.resume();
      res.setHeader('Idempotent-Replayed', 'true');
    } else reply = key ? await replies.make(key, () => store(req, key)) : await store(req, null);
    if (reply.replayed) {
      // A copy that waited for another attempt with its key (on this node or another).
      req.resume();
      res.setHeader('Idempotent-Replayed', 'true');
    }
    res.setHeader('Cache-Control', 'no-store');
    res.status(reply.status).json(reply.body);
  });

  // The contribute page's preview of the crop: a small copy in, the square's position out.
  r.post('/api/preview', async (req, res) => {
    const form = await readUpload(req, 3 * 1024 * 1024);
    res.setHeader('Cache-Control', 'no-store');
    const answer: PreviewAnswer = { crop: await previewCrop(form.photo) };
    res.json(answer);
  });

  r.get('/api/tiles/:id', (req, res) => {
    const t = d.service.get(parseId(req.params.id));
    if (t?.status !== 'live') throw new AppError(404, 'NOT_FOUND', 'There is no such tile.');
    const body: TilePublic = {
      id: t.id,
      col: t.col,
      row: t.row,
      event: t.event,
      createdAt: new Date(t.createdAt).toISOString(),
    };
    res.setHeader('Cache-Control', 'no-cache');
    res.json(body);
  });

  // "Don't send it" on the contribute page after a try that may have reached the server (its
  // answer lost): that try's tile, if one was stored, is taken out. The key is the upload's own
  // secret, as good as its delete token.
  r.delete('/api/tiles/by-key', async (req, res) => {
    const key = idempotencyKey(req.headers['idempotency-key']);
    if (!key)
      throw new AppError(400, 'BAD_REQUEST', 'Send the upload’s Idempotency-Key to take out what it stored.');
    // A try with this key still being processed finishes first, so that nothing lands after.
    await replies.replay(key);
    if (!(await d.service.removeByKey(key)))
      throw new AppError(404, 'NOT_FOUND', 'No tile was stored with this key (or it is deleted already).');
    res.setHeader('Cache-Control', 'no-store');
    res.status(204).end();
  });

  /** The delete token the request carries, as `Authorization: Bearer <token>` (its owner's proof). */
  const bearer = (req: Request): string => {
    const m = BEARER.exec(req.headers.authorization ?? '');
    if (!m)
      throw new AppError(401, 'UNAUTHORIZED', 'Send the delete token as "Authorization: Bearer <token>".');
    return m[1]!;
  };

  // The contributor's page while their kiss waits for review: is it in the mosaic yet? A tile a
  // moderator rejected is deleted, and is 404 like any deleted tile. One row is read, whatever
  // the queue's length; a tile stored but not yet on this node's live copy (placed a moment ago
  // on another node) is still waiting here, and live at the next ask.
  r.get('/api/tiles/:id/status', async (req, res) => {
    const id = parseId(req.params.id);
    const token = bearer(req);
    const stored = await d.service.storedAt(id);
    if (!stored) throw new AppError(404, 'NOT_FOUND', 'There is no such tile (it may be deleted already).');
    if (!(await d.service.canDelete(id, token)))
      throw new AppError(403, 'FORBIDDEN', 'This delete token does not match the tile.');
    const live = stored.pending ? undefined : d.service.get(id);
    const body: TileStatusAnswer =
      live?.status === 'live' ? { status: 'live', col: live.col, row: live.row } : { status: 'pending' };
    res.setHeader('Cache-Control', 'no-store');
    res.json(body);
  });

  r.delete('/api/tiles/:id', async (req, res) => {
    const id = parseId(req.params.id);
    const token = bearer(req);
    if (!(await d.service.find(id)))
      throw new AppError(404, 'NOT_FOUND', 'There is no such tile (it may be deleted already).');
    if (!(await d.service.canDelete(id, token)))
      throw new AppError(403, 'FORBIDDEN', 'This delete token does not match the tile.');
    await d.service.remove(id);
    res.status(204).end();
  });

  r.get('/tiles/:id/:file', async (req, res) => {
    const id = parseId(req.params.id);
    const m = /^(\d+)\.webp$/.exec(req.params.file);
    const size = Number(m?.[1]);
    if (!m || !isTileSize(size)) {
      throw new AppError(
        404,
        'NOT_FOUND',
        `Tile sizes are ${TILE_SIZES.join(', ')} (e.g. /tiles/${id}/128.webp).`,
      );
    }
    const t = d.service.get(id);
    // Pending tiles are only visible to moderators (admin routes), never here.
    const data = t && t.status === 'live' ? await d.service.readFile(id, size) : null;
    if (!data) throw new AppError(404, 'NOT_FOUND', 'There is no such tile.');
    res.setHeader('Content-Type', 'image/webp');
    res.setHeader('Cache-Control', imageCaching(d.config.IMAGE_CACHE_SECONDS));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.end(data);
  });

  return r;
}
