import { z } from 'zod';
import {
  PRINT_DEFAULTS as D,
  PRINT_LIMITS as L,
  PAPERS,
  type Paper,
  POSTER_DPIS,
  POSTER_SIZES,
  type PosterSize,
} from '../../shared/print.ts';
import { AppError } from '../errors.ts';
import type { PosterAsk } from './posterLayout.ts';

const CUSTOM = /^([0-9]{2,4}(?:\.[0-9])?)x([0-9]{2,4}(?:\.[0-9])?)mm$/;

/** A query value as a number within [min, max], or the default when absent. */
const num = (min: number, max: number, def: number, int = false) =>
  z
    .string()
    .regex(int ? /^[0-9]{1,9}$/ : /^[0-9]{1,4}(\.[0-9]{1,2})?$/, 'must be a number')
    .transform(Number)
    .pipe(int ? z.number().int().min(min).max(max) : z.number().min(min).max(max))
    .optional()
    .transform((v) => v ?? def);

const posterQuery = z.strictObject({
  size: z
    .string()
    .optional()
    .transform((s, ctx) => {
      const v = s ?? D.size;
      if (v in POSTER_SIZES) return v as PosterSize;
      const m = CUSTOM.exec(v);
      const w = Number(m?.[1]);
      const h = Number(m?.[2]);
      if (m && [w, h].every((x) => x >= L.posterMinMm && x <= L.posterMaxMm)) return { width: w, height: h };
      ctx.addIssue({
        code: 'custom',
        message: `is A0-A4 or <W>x<H>mm with sides from ${L.posterMinMm} to ${L.posterMaxMm} mm`,
      });
      return z.NEVER;
    }),
  dpi: z
    .enum(POSTER_DPIS.map(String) as [string, ...string[]])
    .optional()
    .transform((v) => (v === undefined ? D.dpi : Number(v))),
  bleed: num(0, L.bleedMaxMm, 0),
  orient: z.enum(['auto', 'portrait', 'landscape']).optional().default('auto'),
  caption: z
    .string()
    .max(L.captionMax)
    .optional()
    .transform((c) => c?.replace(/\s+/g, ' ').trim() || null),
});

const paper = z
  .string()
  .optional()
  .transform((p, ctx) => {
    const v = p ?? D.paper;
    if (v in PAPERS) return v as Paper;
    ctx.addIssue({ code: 'custom', message: `is one of ${Object.keys(PAPERS).join(', ')}` });
    return z.NEVER;
  });

const stickerQuery = z.strictObject({
  paper,
  tile: num(L.stickerMinMm, L.stickerMaxMm, D.stickerMm),
  from: num(1, 2 ** 31 - 1, 1, true),
  limit: num(1, L.stickersMax, 240, true),
});

const wallmapQuery = z.strictObject({ paper, cell: num(L.cellMinMm, L.cellMaxMm, D.cellMm) });

/** What sticker sheets ask for. */
export type StickerAsk = z.infer<typeof stickerQuery>;
/** What a wall map asks for. */
export type WallmapAsk = z.infer<typeof wallmapQuery>;

function parse<T>(schema: z.ZodType<T>, query: unknown): T {
  const r = schema.safeParse(query);
  if (r.success) return r.data;
  const what = r.error.issues
    .map((i) => (i.path.length ? `${i.path.join('.')} ${i.message}` : i.message))
    .join('; ');
  throw new AppError(400, 'BAD_PRINT_OPTIONS', `Bad print options: ${what}.`);
}

/** The poster's options from a query string, or 400 BAD_PRINT_OPTIONS naming what is wrong. */
export const posterAsk = (query: unknown): PosterAsk => parse(posterQuery, query);
/** The sticker sheets' options, or 400 BAD_PRINT_OPTIONS. */
export const stickerAsk = (query: unknown): StickerAsk => parse(stickerQuery, query);
/** The wall map's options, or 400 BAD_PRINT_OPTIONS. */
export const wallmapAsk = (query: unknown): WallmapAsk => parse(wallmapQuery, query);
