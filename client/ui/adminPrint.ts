/**
 * The admin page's Print section: the poster (a public URL, so a plain form that opens it),
 * and the admin-only sticker sheets and wall map, fetched with the token and saved as files.
 * A run of stickers remembers where it stopped, so the next press continues it.
 */
import {
  PRINT_DEFAULTS as D,
  PRINT_LIMITS as L,
  PAPERS,
  POSTER_DPIS,
  POSTER_SIZES,
} from '../../shared/print.ts';
import { t } from '../i18n/index.ts';
import { getFile } from '../net/admin.ts';
import { ApiError } from '../net/api.ts';
import { adminErrorText, isUnauthorized, say } from './adminMessages.ts';
import type { AdminSession } from './adminQueue.ts';
import { byId } from './header.ts';

/** Saves a Blob under `name` through a temporary link. */
function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** The form's named fields as a query string. */
function query(form: HTMLFormElement): string {
  const q = new URLSearchParams();
  for (const [k, v] of new FormData(form)) if (typeof v === 'string') q.set(k, v.trim());
  return q.toString();
}

/** A form's field by its name. */
const field = <T extends Element>(form: HTMLFormElement, name: string) => form.elements.namedItem(name) as T;

/** Fills `select` with `values`, `chosen` selected. */
function offer(
  select: HTMLSelectElement,
  values: readonly (string | number)[],
  chosen: string | number,
): void {
  select.replaceChildren(...values.map((v) => new Option(String(v), String(v), v === chosen, v === chosen)));
}

/** A number field's bounds, and its starting value where the route has a default. */
function bound(input: HTMLInputElement, min: number, max: number, value?: number): void {
  input.min = String(min);
  input.max = String(max);
  if (value !== undefined) input.value = String(value);
}

/**
 * The three forms offer what the print routes accept (shared/print.ts), starting from the routes'
 * defaults; the poster's bleed starts at the 3 mm printers usually ask for, where a bare URL gets none.
 */
function offerPrintChoices(
  poster: HTMLFormElement,
  stickers: HTMLFormElement,
  wallmap: HTMLFormElement,
): void {
  offer(field(poster, 'size'), Object.keys(POSTER_SIZES), D.size);
  offer(field(poster, 'dpi'), POSTER_DPIS, D.dpi);
  bound(field(poster, 'bleed'), 0, L.bleedMaxMm);
  field<HTMLInputElement>(poster, 'caption').maxLength = L.captionMax;
  for (const form of [stickers, wallmap]) offer(field(form, 'paper'), Object.keys(PAPERS), D.paper);
  bound(field(stickers, 'tile'), L.stickerMinMm, L.stickerMaxMm, D.stickerMm);
  bound(field(wallmap, 'cell'), L.cellMinMm, L.cellMaxMm, D.cellMm);
}

export function mountPrint(session: AdminSession): void {
  const poster = byId<HTMLFormElement>('print-poster');
  const stickers = byId<HTMLFormElement>('print-stickers');
  const wallmap = byId<HTMLFormElement>('print-wallmap');
  offerPrintChoices(poster, stickers, wallmap);
  const format = byId<HTMLSelectElement>('poster-format');
  const msg = byId('print-msg');
  const progress = byId<HTMLProgressElement>('print-progress');
  format.addEventListener('change', () => {
    poster.action = `/api/mosaic/poster.${format.value}`;
  });

  let busy = false;
  const run = async (form: HTMLFormElement, path: string, done: (res: Response) => () => string) => {
    if (busy || !form.reportValidity()) return;
    const token = session.token();
    if (!token) return;
    busy = true;
    const button = form.querySelector('button')!;
    button.disabled = true;
    progress.hidden = false;
    say(msg, () => t('admin.preparing'));
    try {
      const res = await getFile(token, `${path}?${query(form)}`);
      const name =
        /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'print.pdf';
      save(await res.blob(), name);
      say(msg, done(res));
    } catch (err) {
      if (isUnauthorized(err)) session.refused(err);
      else if (err instanceof ApiError && err.code === 'BAD_PRINT_OPTIONS')
        say(msg, () => t('error.BAD_PRINT_OPTIONS'), true);
      else say(msg, () => adminErrorText(err), true);
    } finally {
      busy = false;
      button.disabled = false;
      progress.hidden = true;
    }
  };

  stickers.addEventListener('submit', (e) => {
    e.preventDefault();
    void run(stickers, '/api/admin/stickers.pdf', (res) => {
      const n = Number(res.headers.get('x-sticker-count') ?? 0);
      const next = res.headers.get('x-next-from');
      const left = Number(res.headers.get('x-remaining') ?? 0);
      // The next press carries on after the last sticker printed.
      if (next) byId<HTMLInputElement>('stickers-from').value = next;
      return left
        ? () => `${t('admin.stickersDone', { n })} ${t('admin.stickersLeft', { n: left, next: next ?? '' })}`
        : () => `${t('admin.stickersDone', { n })} ${t('admin.stickersAllDone')}`;
    });
  });

  wallmap.addEventListener('submit', (e) => {
    e.preventDefault();
    void run(wallmap, '/api/admin/wallmap.pdf', (res) => {
      const n = Number(res.headers.get('x-page-count') ?? 0);
      return () => t('admin.wallmapDone', { n });
    });
  });
}
