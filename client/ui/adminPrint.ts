/**
 * The admin page's Print section: the poster (a public URL, so a plain form that opens it),
 * and the admin-only sticker sheets and wall map, fetched with the token and saved as files.
 * A run of stickers remembers where it stopped, so the next press continues it.
 */
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

export function mountPrint(session: AdminSession): void {
  const poster = byId<HTMLFormElement>('print-poster');
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

  const stickers = byId<HTMLFormElement>('print-stickers');
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

  const wallmap = byId<HTMLFormElement>('print-wallmap');
  wallmap.addEventListener('submit', (e) => {
    e.preventDefault();
    void run(wallmap, '/api/admin/wallmap.pdf', (res) => {
      const n = Number(res.headers.get('x-page-count') ?? 0);
      return () => t('admin.wallmapDone', { n });
    });
  });
}
