// First: the snapshot starts downloading and decoding before anything else is evaluated.
import '../net/early.ts';
import QRCode from 'qrcode';
import { eventCodeFromInput } from '../../shared/rally.ts';
import { shareOrigin } from '../../shared/siteAddress.ts';
import { initI18n, onLanguageChange, sayIn, t } from '../i18n/index.ts';
import { keepScreenForOffline, refreshScreenForOffline } from '../net/offlineScreen.ts';
import { rallyInfo } from '../net/rallyInfo.ts';
import { Highlighter } from '../ui/Highlighter.ts';
import { byId } from '../ui/header.ts';
import { type RunningMosaic, startMosaic } from '../ui/mosaic.ts';
import { prefersReducedMotion } from '../ui/motion.ts';
import { mountScreenControls } from '../ui/screenControls.ts';
import { keepScreen } from '../ui/screenKeeper.ts';
import { pausedBeforeUpdate, reloadForUpdate } from '../ui/screenUpdate.ts';

await initI18n();

const params = new URLSearchParams(location.search);
const event = eventCodeFromInput(params.get('event'));
let total = 0;
/** The rally's own count, from the live feed: unknown (and not shown) until it first answers. */
let eventTiles: number | null = null;
/**
 * What the counter and the new-kiss notes call the rally: its city, once the registry answers;
 * its code until then, and for a code the registry does not hold.
 */
let place = event;
/**
 * How often a screen asks the registry again, so that an organiser's edit reaches it while it
 * runs, and brings its offline copy of the mosaic up to date.
 */
const PLACE_EVERY_MS = 5 * 60_000;
/**
 * Asks the registry for the rally's city: at each reconnection until it answers (rallyInfo keeps
 * the answer), and afresh every few minutes. A code the registry no longer holds is shown as
 * itself again; an answer that fails keeps the name shown.
 */
function askPlace(fresh = false): void {
  if (!event) return;
  rallyInfo(event, fresh).then(
    (r) => {
      place = r ? r.city : event;
      showCounts();
    },
    () => {},
  );
}

function showCounts(): void {
  byId('total').textContent = t('screen.total', { n: total });
  byId('event-count').textContent =
    place && eventTiles !== null ? t('screen.event', { n: eventTiles, event: place }) : '';
}
onLanguageChange(showCounts);
showCounts();
askPlace();

/** The seq of the mosaic the screen shows, and of the last one its offline copy was brought to. */
let shownSeq = -1;
let offlineSeq = -1;
/** A kiss left the screen since its offline copy was last brought up to date. */
let removedSinceOffline = false;
let offlineTimer: ReturnType<typeof setTimeout> | null = null;
/**
 * Brings the worker's copy of the mosaic (what a reload without the network shows) to what the
 * screen shows, `inMs` from now: a second after a kiss leaves, so that a deleted kiss never comes
 * back on a screen reloaded offline, and every few minutes for the kisses that arrived.
 */
function followOffline(inMs: number): void {
  if (offlineTimer || shownSeq === offlineSeq) return;
  offlineTimer = setTimeout(() => {
    const seq = shownSeq;
    const removed = removedSinceOffline;
    removedSinceOffline = false;
    void refreshScreenForOffline(seq)
      .catch(() => false)
      .then((ok) => {
        offlineTimer = null;
        if (!ok) {
          removedSinceOffline ||= removed;
          // The network dropped: a kiss that left is tried again soon, not at the next round.
          if (removedSinceOffline && document.body.dataset.offline === 'ready') followOffline(30_000);
          return;
        }
        offlineSeq = seq;
        document.body.dataset.offlineSeq = String(seq);
        // Another kiss left while this copy was being made.
        if (removedSinceOffline) followOffline(1000);
      });
  }, inMs);
}
setInterval(() => {
  askPlace(true);
  followOffline(0);
}, PLACE_EVERY_MS);
keepScreen(byId<HTMLButtonElement>('fullscreen'));

// Read once: the board is made with or without arrival animations.
const reduceMotion = prefersReducedMotion();
let running: RunningMosaic | null = null;
// A screen that reloaded itself for a new version comes back as its operator left it.
let wantPaused = pausedBeforeUpdate();
mountScreenControls({
  paused: wantPaused,
  button: byId<HTMLButtonElement>('pause'),
  badge: byId('paused'),
  said: byId('screen-said'),
  setPaused: (p) => {
    wantPaused = p;
    if (p) running?.pause();
    else running?.resume();
  },
  counts: () => [byId('total').textContent, byId('event-count').textContent].filter(Boolean).join('. '),
});

const qr = byId<HTMLCanvasElement>('qr');
/** The address in the QR code, for the operator's warning while it is one no phone can open. */
let unreachable: string | null = null;
function showQrWarning(): void {
  const warning = byId('qr-local');
  warning.hidden = unreachable === null || qr.parentElement!.hidden;
  if (unreachable) warning.textContent = t('screen.qrLocal', { origin: unreachable });
}
onLanguageChange(showQrWarning);
/**
 * Draws the QR code to the contribute page at the server's public address when it has one
 * (PUBLIC_URL): the screen itself may be shown from the server's own machine, at an address no
 * phone in the crowd can open, and is then said to be.
 */
async function drawQr(publicUrl: string | null): Promise<void> {
  const { origin, unreachable: local } = shareOrigin(publicUrl, location.origin);
  unreachable = local ? origin : null;
  showQrWarning();
  const url = `${origin}/add${event ? `?event=${encodeURIComponent(event)}` : ''}`;
  // For whoever cannot scan it, to type: without the scheme, as it is read out.
  byId('qr-url').textContent = url.replace(/^https?:\/\//, '');
  await QRCode.toCanvas(qr, url, { margin: 1, width: 512, errorCorrectionLevel: 'M' });
  // The stylesheet sizes it relative to the screen; drop the library's fixed inline size.
  qr.style.removeProperty('width');
  qr.style.removeProperty('height');
  qr.parentElement!.classList.add('drawn');
}

const toast = byId('toast');
let toastTimer: ReturnType<typeof setTimeout> | null = null;
function showToast(text: string): void {
  toast.textContent = text;
  toast.hidden = false;
  if (toastTimer) clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    toast.hidden = true;
  }, 3500);
}

let highlighter: Highlighter | null = null;
/** The screen has applied what the mosaic held when it first went live. */
let caughtUp = false;
startMosaic(byId('board'), {
  event,
  role: 'screen',
  input: false,
  maxCellPx: 480,
  animateArrivals: !reduceMotion,
  relaid: (_grown, model) => {
    // Queued cells belong to the old layout.
    highlighter?.clear();
    total = model.size;
    showCounts();
    shownSeq = model.seq;
  },
  changed: (_cells, arrived, changes, model) => {
    total = model.size;
    showCounts();
    // Kisses that came before the screen opened (its first catch-up) are not new to the crowd.
    if (caughtUp) for (const c of arrived) highlighter?.push(c);
    shownSeq = model.seq;
    if (changes.some((c) => c.type === 'removed')) {
      removedSinceOffline = true;
      followOffline(1000);
    }
  },
  status: (s) => {
    if (s === 'live') askPlace();
    byId('reconnecting').hidden =
      s === 'live' || s === 'connecting' || s === 'unknown-event' || s === 'outdated';
    byId('updating').hidden = s !== 'outdated';
    if (s === 'outdated') reloadForUpdate(() => wantPaused);
    const unknown = byId('unknown-event');
    unknown.hidden = s !== 'unknown-event';
    if (s === 'unknown-event' && event) {
      sayIn(unknown, () => t('screen.unknownEvent', { event }));
      // Its counter and its QR code (to an upload page that would refuse the code) would mislead.
      byId('event-count').hidden = true;
      qr.parentElement!.hidden = true;
      showQrWarning();
    }
  },
  stats: (s) => {
    total = s.total;
    eventTiles = s.tiles;
    showCounts();
  },
  described: (info) => void drawQr(info.publicUrl),
  synced: () => {
    caughtUp = true;
  },
  highlighted: (h) => {
    if (h.ids.length > 0) showToast(t('screen.new', { event: h.event === event && place ? place : h.event }));
  },
}).then((r) => {
  running = r;
  if (wantPaused) r.pause();
  highlighter = new Highlighter(r.board, () => reduceMotion);
  // Once the mosaic is up: a reload without the network brings this view back, without a kiss
  // that left before the worker was there.
  void keepScreenForOffline().then(() => {
    if (removedSinceOffline) followOffline(0);
  });
});
