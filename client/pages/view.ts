// First: the snapshot starts downloading and decoding before anything else is evaluated.
import '../net/early.ts';
import { rallyTitle } from '../../shared/rallies.ts';
import { eventCodeFromInput } from '../../shared/rally.ts';
import { initI18n, onLanguageChange, t } from '../i18n/index.ts';
import { ApiError, getTile, tileUrl } from '../net/api.ts';
import { rallyInfo } from '../net/rallyInfo.ts';
import type { BoardTile } from '../render/types.ts';
import { reloadButton } from '../ui/errors.ts';
import { mountFindKiss, sayKissMissing } from '../ui/findKiss.ts';
import { byId, copyText, mountHeader } from '../ui/header.ts';
import { type RunningMosaic, startMosaic } from '../ui/mosaic.ts';
import { mountReport } from '../ui/report.ts';
import {
  countSpeaker,
  motionReduced,
  mountMotionSwitch,
  mountPanButtons,
  mountPause,
} from '../ui/viewerControls.ts';
import { bindViewerKeys, type ViewerKeys } from '../ui/viewerKeys.ts';

await initI18n();
mountHeader();

/** A rally's link to the mosaic (`/?event=london`): its code goes into the live handshake. */
const event = eventCodeFromInput(new URLSearchParams(location.search).get('event'));
/** The query kept in the address as a tile opens and closes, so a reload follows the same rally. */
const query = event ? `?event=${encodeURIComponent(event)}` : '';
if (event) {
  // "Add your kiss" from a rally's mosaic adds it for that rally, unless this server refuses the code.
  const add = byId<HTMLAnchorElement>('add-link');
  add.href = `/add${query}`;
  rallyInfo(event).catch((err: unknown) => {
    if (err instanceof ApiError && err.code === 'UNKNOWN_EVENT') add.href = '/add';
  });
}

const statusEl = byId('status');
const counter = byId('counter');
const dialog = byId<HTMLDialogElement>('tile');
let running: RunningMosaic | null = null;
let statusKey: 'status.loading' | 'status.reconnecting' | 'status.outdated' | 'status.failed' | null =
  'status.loading';
let openTile: BoardTile | null = null;
/** The open card's kiss left the mosaic (deleted, hidden or taken down) while it was open. */
let openTileGone = false;
let keys: ViewerKeys | null = null;
/** Arrivals are said only once the page has caught up (not the changes replayed at load). */
let synced = false;
const report = mountReport(() => byId('tile-close'));
const sayCount = countSpeaker(byId('count-said'));

function showStatus(): void {
  const key = statusKey ?? (running?.paused ? 'screen.paused' : null);
  statusEl.textContent = key ? t(key) : '';
  // The page cannot go live again until it is reloaded: one press.
  if (statusKey === 'status.outdated') {
    statusEl.append(' ', reloadButton());
  }
  statusEl.classList.toggle('error', statusKey === 'status.failed' || statusKey === 'status.outdated');
  placeStatus();
}

const statusHome = [statusEl.parentElement!, statusEl.nextSibling] as const;
/**
 * A card open over the board hides the board's status behind its backdrop, and makes it inert. A
 * message the page cannot get past (a new version to reload, a failure) goes on the card, over
 * the top of its photo, where it moves none of the card's buttons. "Reconnecting…" comes and
 * goes by itself and stays on the board.
 */
function placeStatus(): void {
  const onCard = dialog.open && statusEl.classList.contains('error');
  if (onCard && statusEl.parentElement !== dialog) dialog.prepend(statusEl);
  else if (!onCard && statusEl.parentElement === dialog) statusHome[0].insertBefore(statusEl, statusHome[1]);
}

/**
 * The count in the header and in the board's name. New tiles (`arrived`) are also said, at
 * most once a minute; a snapshot or re-layout only sets what the count is.
 */
function showCount(arrived = false): void {
  if (!running) return;
  const n = running.feed.mosaic.size;
  counter.textContent = t('counter.kisses', { n });
  running.board.canvas.setAttribute('aria-label', t('view.boardName', { n }));
  sayCount(n, !(arrived && synced));
}

function permalinkId(): number | null {
  const m = /^\/t\/(\d+)\/?$/.exec(location.pathname);
  return m ? Number(m[1]) : null;
}

async function showTile(tile: BoardTile, fly: boolean): Promise<void> {
  if (!running) return;
  const { board, info } = running;
  openTile = tile;
  openTileGone = false;
  keys?.focusTile(tile);
  board.mark(tile.col, tile.row);
  if (fly) board.flyTo(tile.col, tile.row, undefined, motionReduced() ? 0 : 1600);
  history.replaceState(null, '', `/t/${tile.id}${query}`);
  byId('tile-title').textContent = t('tile.title', { id: tile.id });
  const img = byId<HTMLImageElement>('tile-img');
  img.style.removeProperty('visibility');
  img.src = tileUrl(info, tile.id, 512);
  img.alt = t('tile.photoAlt', { id: tile.id });
  byId('tile-event').textContent = '';
  byId('tile-time').textContent = '';
  report.show(tile.id);
  if (!dialog.open) {
    dialog.showModal();
    placeStatus();
  }
  try {
    const rec = await getTile(tile.id);
    // A registered rally by its name and city; a free-form code (or no answer) by its code.
    const rally = rec.event ? await rallyInfo(rec.event).catch(() => null) : null;
    if (openTile?.id !== tile.id || openTileGone) return;
    byId('tile-event').textContent = rec.event
      ? t('tile.event', { event: rally ? rallyTitle(rally) : rec.event })
      : t('tile.noEvent');
    const when = new Intl.DateTimeFormat(document.documentElement.lang, {
      dateStyle: 'medium',
      timeStyle: 'short',
    });
    byId('tile-time').textContent = t('tile.time', { time: when.format(new Date(rec.createdAt)) });
  } catch {
    byId('tile-event').textContent = t('tile.missing');
  }
}

/**
 * The open card's kiss left the mosaic: its photo goes from the card as from the board (a
 * contributor who deletes their kiss takes it from every screen), and the card says so.
 */
function showTileGone(): void {
  openTileGone = true;
  const img = byId<HTMLImageElement>('tile-img');
  // The square stays, empty, so that the card's buttons do not move under a finger.
  img.removeAttribute('src');
  img.alt = '';
  img.style.visibility = 'hidden';
  byId('tile-event').textContent = t('tile.missing');
  running?.board.mark(null);
}

dialog.addEventListener('close', () => {
  placeStatus();
  openTile = null;
  report.reset();
  running?.board.mark(null);
  history.replaceState(null, '', `/${query}`);
  running?.board.canvas.focus();
});
byId('tile-close').addEventListener('click', () => dialog.close());
byId('tile-copy').addEventListener('click', (e) => {
  if (openTile)
    void copyText(`${location.origin}/t/${openTile.id}`, e.currentTarget as HTMLElement, t('tile.copied'));
});

onLanguageChange(() => {
  showStatus();
  showCount();
  if (openTile && dialog.open) {
    if (openTileGone) showTileGone();
    else void showTile(openTile, false);
  }
});
showStatus();

let firstLayout = true;
let permalinkOpened = false;

/**
 * Opens the tile of a `/t/<id>` link once the mosaic is laid out and running. Either may come
 * first: a view start inlined in the page lays the mosaic out before startMosaic has returned.
 */
function openPermalink(): void {
  const id = permalinkId();
  if (id === null || permalinkOpened || firstLayout || !running) return;
  permalinkOpened = true;
  // The first layout can come from a view older than the tile (a kiss sent a moment ago, its
  // link followed at once): not found then, it is looked for again once the live feed has
  // caught up with the server, and only then said to be missing.
  const caughtUp = synced;
  void running.findTile(id).then((tile) => {
    if (tile) void showTile(tile, true);
    else if (caughtUp) sayKissMissing(id);
    else {
      permalinkOpened = false;
      if (synced) openPermalink();
    }
  });
}

startMosaic(byId('board'), {
  event,
  keys: false,
  animateArrivals: !motionReduced(),
  relaid: () => {
    showCount();
    if (firstLayout) {
      firstLayout = false;
      // Only "Loading…" ends here: a refusal that came first (a new version to reload) stays.
      if (statusKey === 'status.loading') statusKey = null;
      showStatus();
      openPermalink();
    }
  },
  changed: (_cells, _arrived, changes) => {
    showCount(true);
    const id = openTile?.id;
    if (id !== undefined && !openTileGone && changes.some((c) => c.type === 'removed' && c.id === id))
      showTileGone();
  },
  synced: () => {
    synced = true;
    showCount();
    openPermalink();
  },
  status: (s) => {
    statusKey =
      s === 'reconnecting'
        ? 'status.reconnecting'
        : s === 'outdated'
          ? 'status.outdated'
          : firstLayout
            ? 'status.loading'
            : null;
    showStatus();
  },
}).then(
  (r) => {
    running = r;
    openPermalink();
    const canvas = r.board.canvas;
    // The mosaic comes right after the tools in the tab order, before the pan and zoom buttons.
    byId('board').prepend(canvas);
    canvas.setAttribute('role', 'application');
    canvas.setAttribute('aria-describedby', 'board-keys');
    const said = byId('cell-said');
    keys = bindViewerKeys(r, {
      open: (tile) => void showTile(tile, false),
      say: (text) => {
        said.textContent = text;
      },
      still: motionReduced,
    });
    mountPanButtons(r.board);
    mountPause(r, showStatus);
    mountMotionSwitch(r.board);
    mountFindKiss({ find: (id) => r.findTile(id), show: (tile) => void showTile(tile, true) });
    r.board.onTap = (tile, cell) => {
      if (tile) void showTile(tile, false);
      else if (cell !== null)
        void r.tileInCell(cell).then((t) => {
          if (t) void showTile(t, false);
        });
    };
    byId('zoom-in').addEventListener('click', () => r.board.zoomBy(1.6));
    byId('zoom-out').addEventListener('click', () => r.board.zoomBy(1 / 1.6));
    byId('zoom-all').addEventListener('click', () => r.board.overview(motionReduced() ? 0 : 1200));
    showCount();
  },
  (err: unknown) => {
    console.error(err);
    statusKey = 'status.failed';
    showStatus();
  },
);
