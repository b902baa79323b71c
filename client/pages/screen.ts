// First: the snapshot starts downloading and decoding before anything else is evaluated.
import '../net/early.ts';
import QRCode from 'qrcode';
import { eventCodeFromInput } from '../../shared/rally.ts';
import { initI18n, onLanguageChange, t } from '../i18n/index.ts';
import { keepScreenForOffline } from '../net/offlineScreen.ts';
import { rallyInfo } from '../net/rallyInfo.ts';
import { Highlighter } from '../ui/Highlighter.ts';
import { byId } from '../ui/header.ts';
import { prefersReducedMotion, type RunningMosaic, startMosaic } from '../ui/mosaic.ts';
import { mountScreenControls } from '../ui/screenControls.ts';
import { keepScreen } from '../ui/screenKeeper.ts';

initI18n();

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
/** How often a screen asks the registry again, so that an organiser's edit reaches it while it runs. */
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
setInterval(() => askPlace(true), PLACE_EVERY_MS);
keepScreen(byId<HTMLButtonElement>('fullscreen'));

// Read once: the board is made with or without arrival animations.
const reduceMotion = prefersReducedMotion();
let running: RunningMosaic | null = null;
let wantPaused = false;
mountScreenControls({
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

const addUrl = `${location.origin}/add${event ? `?event=${encodeURIComponent(event)}` : ''}`;
const qr = byId<HTMLCanvasElement>('qr');
QRCode.toCanvas(qr, addUrl, { margin: 1, width: 512, errorCorrectionLevel: 'M' }).then(() => {
  // The stylesheet sizes it relative to the screen; drop the library's fixed inline size.
  qr.style.removeProperty('width');
  qr.style.removeProperty('height');
  qr.parentElement!.classList.add('drawn');
});

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
  },
  changed: (_cells, arrived, _changes, model) => {
    total = model.size;
    showCounts();
    for (const c of arrived) highlighter?.push(c);
  },
  status: (s) => {
    if (s === 'live') askPlace();
    byId('reconnecting').hidden = s === 'live' || s === 'connecting' || s === 'unknown-event';
    const unknown = byId('unknown-event');
    unknown.hidden = s !== 'unknown-event';
    if (s === 'unknown-event' && event) {
      unknown.textContent = t('screen.unknownEvent', { event });
      // Its counter and its QR code (to an upload page that would refuse the code) would mislead.
      byId('event-count').hidden = true;
      qr.parentElement!.hidden = true;
    }
  },
  stats: (s) => {
    total = s.total;
    eventTiles = s.tiles;
    showCounts();
  },
  highlighted: (h) => {
    if (h.ids.length > 0) showToast(t('screen.new', { event: h.event === event && place ? place : h.event }));
  },
}).then((r) => {
  running = r;
  if (wantPaused) r.pause();
  highlighter = new Highlighter(r.board, () => reduceMotion);
  // Once the mosaic is up: a reload without the network brings this view back.
  void keepScreenForOffline();
});
