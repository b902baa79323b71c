/**
 * Removing live tiles: one by its number, or a takedown of every tile of a rally or of a
 * block of cells, behind a confirm step that says how many tiles will go. The count comes
 * from the live mosaic (cells for an area, the rally counter plus the waiting ones for a rally).
 */
import type { Takedown } from '../../shared/adminApi.ts';
import type { MosaicInfo } from '../../shared/httpApi.ts';
import type { EventStats } from '../../shared/protocol.ts';
import { t } from '../i18n/index.ts';
import { AdminPicture, getQueue, removeTile, takedown } from '../net/admin.ts';
import { ApiError } from '../net/api.ts';
import { LiveFeed } from '../net/live.ts';
import { adminErrorText, isUnauthorized, rallyField, say } from './adminMessages.ts';
import type { AdminSession } from './adminQueue.ts';
import { byId } from './header.ts';

const COUNT_TIMEOUT_MS = 10_000;

/** Counts tiles from a live connection, opened on first use and kept while signed in. */
class TileCounter {
  private feed: LiveFeed | null = null;
  private synced: Promise<LiveFeed> | null = null;
  private statsWaiter: ((s: EventStats) => void) | null = null;

  constructor(private readonly grid: (cols: number, rows: number) => void) {}

  private open(): Promise<LiveFeed> {
    this.synced ??= new Promise((resolve) => {
      const feed: LiveFeed = new LiveFeed({
        relaid: (m) => this.grid(m.cols, m.rows),
        changed: () => {},
        status: (s) => {
          if (s === 'live' && feed.mosaic.ready) resolve(feed);
        },
        stats: (s) => this.statsWaiter?.(s),
      });
      this.feed = feed;
    });
    return this.synced;
  }

  /** Live tiles in a block of cells, or null when the mosaic could not be reached in time. */
  async area(col: number, row: number, cols: number, rows: number): Promise<number | null> {
    const feed = await within(this.open());
    if (!feed) return null;
    const m = feed.mosaic;
    let n = 0;
    for (let r = row; r < Math.min(m.rows, row + rows); r++)
      for (let c = col; c < Math.min(m.cols, col + cols); c++) if (m.cellId[r * m.cols + c]) n++;
    return n;
  }

  /** Live tiles of a rally (from its counter), or null when it did not answer in time. */
  async rally(code: string): Promise<number | null> {
    const feed = await within(this.open());
    if (!feed) return null;
    const stats = within(
      new Promise<EventStats>((resolve) => {
        this.statsWaiter = (s) => {
          if (s.event === code) resolve(s);
        };
      }),
    );
    feed.join(code);
    const s = await stats;
    this.statsWaiter = null;
    feed.join(null);
    return s ? s.tiles : null;
  }

  close(): void {
    this.feed?.close();
    this.feed = null;
    this.synced = null;
  }
}

function within<T>(p: Promise<T>): Promise<T | null> {
  return Promise.race([p, new Promise<null>((r) => setTimeout(() => r(null), COUNT_TIMEOUT_MS))]);
}

const int = (id: string) => Number(byId<HTMLInputElement>(id).value);

/** A 404 as null: the tile is not (or no longer) in the mosaic. */
function notFoundAsNull(err: unknown): null {
  if (err instanceof ApiError && err.status === 404) return null;
  throw err;
}

/** Wires the "remove a live tile" and takedown forms; `changed` refreshes the queue afterwards. */
export function mountTakedown(
  session: AdminSession,
  mosaic: Promise<Pick<MosaicInfo, 'cols' | 'rows'>>,
  changed: () => void,
): { close(): void } {
  const msg = byId('takedown-msg');
  const dialog = byId<HTMLDialogElement>('confirm');
  const text = byId('confirm-text');
  const yes = byId<HTMLButtonElement>('confirm-yes');
  const help = byId('area-help');
  const photo = byId<HTMLImageElement>('confirm-photo');
  /** The photo of the tile the confirm step shows (admin-only: a waiting tile's too). */
  let picture: AdminPicture | null = null;
  dialog.addEventListener('close', () => {
    photo.hidden = true;
    photo.removeAttribute('src');
    photo.alt = '';
    picture?.release();
    picture = null;
  });
  const grid = (cols: number, rows: number) => say(help, () => t('admin.areaHelp', { cols, rows }));
  const counter = new TileCounter(grid);
  mosaic.then(
    (m) => grid(m.cols, m.rows),
    () => {},
  );

  const fail = (el: HTMLElement, err: unknown, notFound?: () => string) => {
    if (isUnauthorized(err)) session.refused(err);
    else say(el, () => adminErrorText(err, notFound), true);
  };

  byId('remove-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const token = session.token();
    const id = int('remove-id');
    const out = byId('remove-msg');
    if (!token || !Number.isInteger(id) || id < 1) return;
    say(out, null);
    try {
      const sure = await confirm({
        // The kiss the number names, with its photo: a number mistyped shows another couple's.
        count: async () => {
          picture = new AdminPicture(token, `/api/admin/tiles/${id}/512.webp`);
          const src = await picture.ready.catch(notFoundAsNull);
          if (src === null) return null;
          photo.alt = t('tile.photoAlt', { id });
          photo.src = src;
          // Shown before "Remove it" can be pressed, so that nothing moves under the pointer.
          if (
            await photo.decode().then(
              () => true,
              () => false,
            )
          )
            photo.hidden = false;
          return t('admin.confirmTile', { id });
        },
        none: () => t('admin.noTile', { id }),
        yes: () => t('admin.confirmYesOne'),
      });
      if (!sure) return;
      await removeTile(token, id);
      say(out, () => t('admin.removed', { id }));
      changed();
    } catch (err) {
      if (dialog.open) dialog.close();
      fail(out, err, () => t('admin.noTile', { id }));
    }
  });

  /** What a confirm step asks: the words (null when there is nothing to remove), and its buttons' words. */
  interface Ask {
    count: () => Promise<string | null>;
    none?: () => string;
    yes?: () => string;
  }

  /** Asks before a removal, with the count; resolves true when confirmed. */
  async function confirm({
    count,
    none = () => t('admin.confirmNone'),
    yes: yesWords = () => t('admin.confirmYes'),
  }: Ask): Promise<boolean> {
    text.textContent = t('admin.counting');
    yes.textContent = yesWords();
    yes.hidden = false;
    yes.disabled = true;
    dialog.returnValue = '';
    dialog.showModal();
    const closed = new Promise<boolean>((resolve) =>
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'yes'), { once: true }),
    );
    const words = await count();
    if (dialog.open) {
      yes.disabled = false;
      if (words === null) {
        text.textContent = none();
        yes.hidden = true;
      } else text.textContent = words;
    }
    return closed;
  }

  async function run(what: Takedown, count: () => Promise<string | null>): Promise<void> {
    const token = session.token();
    if (!token) return;
    say(msg, null);
    try {
      if (!(await confirm({ count }))) return;
      const n = await takedown(token, what);
      say(msg, () => t('admin.takenDown', { n }));
      changed();
    } catch (err) {
      if (dialog.open) dialog.close();
      fail(msg, err);
    }
  }

  byId('takedown-rally').addEventListener('submit', (e) => {
    e.preventDefault();
    const event = rallyField('rally-code', msg, true);
    if (!event) return;
    void run({ event }, async () => {
      const token = session.token();
      if (!token) return null;
      // Live tiles from the rally's counter, waiting ones from the queue.
      const [live, queue] = await Promise.all([counter.rally(event), getQueue(token, 1000)]);
      if (live === null) return t('admin.confirmUnknown');
      const n = live + queue.items.filter((i) => i.event === event).length;
      if (queue.total > queue.items.length) return t('admin.confirmRallyMore', { n, event });
      return n === 0 ? null : t('admin.confirmRally', { n, event });
    });
  });

  byId('takedown-area').addEventListener('submit', (e) => {
    e.preventDefault();
    const region = {
      col: int('area-col'),
      row: int('area-row'),
      cols: int('area-cols'),
      rows: int('area-rows'),
    };
    const { col, row, cols, rows } = region;
    if (![col, row, cols, rows].every(Number.isInteger) || col < 0 || row < 0 || cols < 1 || rows < 1) {
      say(msg, () => t('admin.error.BAD_REQUEST'), true);
      return;
    }
    void run({ region }, async () => {
      const n = await counter.area(col, row, cols, rows);
      if (n === null) return t('admin.confirmUnknown');
      const where = { c1: col, c2: col + cols - 1, r1: row, r2: row + rows - 1 };
      return n === 0 ? null : t('admin.confirmArea', { n, ...where });
    });
  });

  return { close: () => counter.close() };
}
