// First: the snapshot starts downloading and decoding before anything else is evaluated.
import '../net/early.ts';
import { initI18n, onLanguageChange, t } from '../i18n/index.ts';
import { getTile, tileUrl } from '../net/api.ts';
import type { BoardTile } from '../render/types.ts';
import { byId, copyText, mountHeader } from '../ui/header.ts';
import { type RunningMosaic, startMosaic } from '../ui/mosaic.ts';
import { mountReport } from '../ui/report.ts';

initI18n();
mountHeader();

const statusEl = byId('status');
const counter = byId('counter');
const dialog = byId<HTMLDialogElement>('tile');
let running: RunningMosaic | null = null;
let statusKey: 'status.loading' | 'status.reconnecting' | 'status.outdated' | 'status.failed' | null =
  'status.loading';
let openTile: BoardTile | null = null;
const report = mountReport(() => byId('tile-close'));

function showStatus(): void {
  statusEl.textContent = statusKey ? t(statusKey) : '';
  statusEl.classList.toggle('error', statusKey === 'status.failed' || statusKey === 'status.outdated');
}

function showCount(): void {
  if (running) counter.textContent = t('counter.kisses', { n: running.feed.mosaic.size });
}

function permalinkId(): number | null {
  const m = /^\/t\/(\d+)\/?$/.exec(location.pathname);
  return m ? Number(m[1]) : null;
}

async function showTile(tile: BoardTile, fly: boolean): Promise<void> {
  if (!running) return;
  const { board, info } = running;
  openTile = tile;
  board.mark(tile.col, tile.row);
  if (fly) board.flyTo(tile.col, tile.row);
  history.replaceState(null, '', `/t/${tile.id}`);
  byId('tile-title').textContent = t('tile.title', { id: tile.id });
  const img = byId<HTMLImageElement>('tile-img');
  img.src = tileUrl(info, tile.id, 512);
  img.alt = t('tile.photoAlt', { id: tile.id });
  byId('tile-event').textContent = '';
  byId('tile-time').textContent = '';
  report.show(tile.id);
  if (!dialog.open) dialog.showModal();
  try {
    const rec = await getTile(tile.id);
    if (openTile?.id !== tile.id) return;
    byId('tile-event').textContent = rec.event ? t('tile.event', { event: rec.event }) : t('tile.noEvent');
    const when = new Intl.DateTimeFormat(document.documentElement.lang, {
      dateStyle: 'medium',
      timeStyle: 'short',
    });
    byId('tile-time').textContent = t('tile.time', { time: when.format(new Date(rec.createdAt)) });
  } catch {
    byId('tile-event').textContent = t('tile.missing');
  }
}

dialog.addEventListener('close', () => {
  openTile = null;
  report.reset();
  running?.board.mark(null);
  history.replaceState(null, '', '/');
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
  if (openTile && dialog.open) void showTile(openTile, false);
});
showStatus();

let firstLayout = true;
startMosaic(byId('board'), {
  relaid: () => {
    showCount();
    if (firstLayout) {
      firstLayout = false;
      statusKey = null;
      showStatus();
      const id = permalinkId();
      if (id !== null && running)
        void running.findTile(id).then((tile) => {
          if (tile) void showTile(tile, true);
        });
    }
  },
  changed: () => showCount(),
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
    r.board.onTap = (tile, cell) => {
      if (tile) void showTile(tile, false);
      else if (cell !== null && !r.board.knows(cell))
        void r.tileInCell(cell).then((t) => {
          if (t) void showTile(t, false);
        });
    };
    byId('zoom-in').addEventListener('click', () => r.board.zoomBy(1.6));
    byId('zoom-out').addEventListener('click', () => r.board.zoomBy(1 / 1.6));
    byId('zoom-all').addEventListener('click', () => r.board.overview());
    showCount();
  },
  (err: unknown) => {
    console.error(err);
    statusKey = 'status.failed';
    showStatus();
  },
);
