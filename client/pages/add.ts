import { type CropBox, DELETE_TOKEN_PATTERN, type MosaicInfo } from '../../shared/httpApi.ts';
import { type PhotoShapeCode, photoShapeProblem } from '../../shared/photoShape.ts';
import { rallyTitle } from '../../shared/rallies.ts';
import { eventCodeFromInput } from '../../shared/rally.ts';
import { initI18n, onLanguageChange, sayIn, t } from '../i18n/index.ts';
import {
  ApiError,
  deleteTile,
  getMosaic,
  getTile,
  previewCrop,
  tileStatus,
  tileUrl,
  type UploadResult,
  uploadTile,
  withdrawUpload,
} from '../net/api.ts';
import { loadBitmap } from '../net/bitmap.ts';
import { randomId } from '../net/clientId.ts';
import { backOnline, pause } from '../net/online.ts';
import { rallyInfo } from '../net/rallyInfo.ts';
import {
  forgetWaiting,
  forgetWithdrawal,
  keepWaiting,
  keepWithdrawal,
  type WaitingKiss,
  waitingKiss,
  waitingWithdrawals,
} from '../net/waitingKiss.ts';
import { errorMessage } from '../ui/errors.ts';
import { followReview } from '../ui/followReview.ts';
import { byId, copyText, mountHeader } from '../ui/header.ts';
import { guardLeaving } from '../ui/leaveGuard.ts';
import { prefersReducedMotion } from '../ui/motion.ts';
import { drawNeighbourhood } from '../ui/neighbourhood.ts';
import {
  copySize,
  drawPreview,
  drawShareCard,
  hiddenFacesCopy,
  smallCopy,
  UPLOAD_MAX_SIDE,
} from '../ui/photoCanvas.ts';

await initI18n();
mountHeader();

const params = new URLSearchParams(location.search);
const event = eventCodeFromInput(params.get('event'));
let photo: File | null = null;
/** One per chosen photo, sent with every try of it: a retry after a lost answer gets that answer. */
let uploadKey = randomId();
let bitmap: ImageBitmap | null = null;
/** Where the server will crop the chosen photo (null until it answers). */
let crop: CropBox | null = null;
let busy = false;
/** The kiss on its way is kept in this browser (waitingKiss.ts): leaving no longer loses it. */
let kept = false;

/**
 * The withdrawals under way on this page, each with whether this browser keeps it: one that is
 * not kept is lost if the page closes.
 */
const withdrawing = new Map<string, boolean>();

// Leaving while the photo is on its way (or waiting for the network), and not kept, would drop it;
// leaving before a withdrawal this browser could not keep is done would leave that tile in.
guardLeaving(() => (busy && !kept) || [...withdrawing.values()].includes(false));

const errorBox = byId('error');
const hideFaces = byId<HTMLInputElement>('hide-faces');
const consent = byId<HTMLInputElement>('consent');
const pickers = [byId<HTMLInputElement>('camera'), byId<HTMLInputElement>('file')];

/** Server refusals that are about the chosen photo: they mark the photo pickers. */
const PHOTO_ERRORS: ReadonlySet<string> = new Set([
  'NO_PHOTO',
  'FILE_TOO_LARGE',
  'TOO_MANY_PIXELS',
  'UNSUPPORTED_FORMAT',
  'IMAGE_TOO_SMALL',
  'BAD_ASPECT_RATIO',
  'CORRUPT_IMAGE',
  'DUPLICATE_PHOTO',
]);

/**
 * Says an error in the alert box (announced by screen readers, and said again in a language
 * switched to) and ties it to the fields it is about: they get aria-invalid and the box as
 * their description. Null clears both.
 */
function showError(words: (() => string) | null, fields: readonly HTMLInputElement[] = []): void {
  sayIn(errorBox, words);
  for (const f of [...pickers, consent]) {
    if (words !== null && fields.includes(f)) {
      f.setAttribute('aria-invalid', 'true');
      f.setAttribute('aria-describedby', 'error');
    } else {
      f.removeAttribute('aria-invalid');
      f.removeAttribute('aria-describedby');
    }
  }
}

if (event) {
  byId('event-line').hidden = false;
  // The rally's code, then its name and city once the registry answers (a free-form code stays).
  let title = event;
  sayIn(byId('event-tag'), () => t('add.event', { event: title }));
  rallyInfo(event).then(
    (r) => {
      if (!r) return;
      title = rallyTitle(r);
      sayIn(byId('event-tag'), () => t('add.event', { event: title }));
    },
    (err) => {
      // A link to a rally this server does not take: said now, not after the photo is sent.
      if (err instanceof ApiError && err.code === 'UNKNOWN_EVENT') showError(() => errorMessage(err));
    },
  );
}

/** The photo's name and why there is no preview, when this browser cannot read it (HEIC, mostly). */
function showNoPreview(name: string | null): void {
  const line = byId('no-preview');
  line.hidden = name === null;
  sayIn(line, name === null ? null : () => t('add.noPreview', { name }));
}

/**
 * Why the chosen photo, as the page would send it, cannot become a tile (too small, too long and
 * thin), or null: known from the decoded photo, so said at once and never sent. With "hide our
 * faces" the page sends a 576 px square, which always can.
 */
function shapeProblem(): PhotoShapeCode | null {
  if (!bitmap || hideFaces.checked) return null;
  return photoShapeProblem(...copySize(bitmap.width, bitmap.height, UPLOAD_MAX_SIDE));
}

/** Says the photo's shape problem, if any, on its pickers; clears one said before that no longer holds. */
function sayShape(): boolean {
  const code = shapeProblem();
  if (code) showError(() => t(`error.${code}`), pickers);
  else if (pickers.some((p) => p.hasAttribute('aria-invalid'))) showError(null);
  return code !== null;
}

function redrawPreview(): void {
  if (!bitmap) return;
  drawPreview(byId<HTMLCanvasElement>('preview'), bitmap, hideFaces.checked, crop);
}

async function choose(file: File | undefined): Promise<void> {
  showError(null);
  if (!file) return;
  prefetchMiniMosaic();
  photo = file;
  uploadKey = randomId();
  bitmap?.close();
  bitmap = null;
  showNoPreview(null);
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
    crop = null;
    byId('preview-box').hidden = false;
    redrawPreview();
    sayShape();
    // Then ask the server where its subject-aware crop falls (a small copy, not the photo).
    const asked = bitmap;
    const box = await previewCrop(await smallCopy(asked));
    if (box && bitmap === asked) {
      crop = box;
      redrawPreview();
    }
  } catch {
    // The browser cannot decode it (HEIC on most browsers but Safari): no preview; the file
    // goes as it is, and the server reads it (HEIC included) or says why not.
    byId('preview-box').hidden = true;
    showNoPreview(file.name || 'photo');
  }
}

for (const id of ['camera', 'file']) {
  const input = byId<HTMLInputElement>(id);
  input.addEventListener('change', () => void choose(input.files?.[0]));
}
consent.addEventListener('change', () => {
  if (consent.checked && consent.hasAttribute('aria-invalid')) showError(null);
});
hideFaces.addEventListener('change', () => {
  // Another upload now: a retry must never be answered with the other choice's tile.
  uploadKey = randomId();
  redrawPreview();
  sayShape();
});

/**
 * The bar follows every progress event; its words (a polite live region) change by quarters,
 * so a screen reader hears a few steps, not a hundred.
 */
function setProgress(fraction: number | null): void {
  byId('progress-box').hidden = fraction === null;
  if (fraction === null) return;
  const pct = Math.round(fraction * 100);
  const said =
    pct >= 100 ? () => t('add.processing') : () => t('add.sending', { pct: Math.floor(pct / 25) * 25 });
  byId('progress').setAttribute('aria-valuenow', String(pct));
  sayProgress(said, pct >= 100 ? null : `${pct}%`);
  byId('progress-fill').style.width = `${pct}%`;
}

/** What the bar's value says when it is words (processing, or why the page waits), not a percentage. */
let progressValueWords: (() => string) | null = null;
onLanguageChange(() => {
  if (progressValueWords) byId('progress').setAttribute('aria-valuetext', progressValueWords());
});

/**
 * Puts `said` in the progress words (said again in a language switched to), and as the bar's
 * value unless `value` (a percentage) is given. Words said already are not written again: a
 * screen reader would say them again.
 */
function sayProgress(said: () => string, value: string | null): void {
  progressValueWords = value === null ? said : null;
  byId('progress').setAttribute('aria-valuetext', value ?? said());
  const words = byId('progress-text');
  if (words.textContent !== said()) sayIn(words, said);
}

/**
 * What the page uploads: an upright copy at most UPLOAD_MAX_SIDE px, with no metadata, when
 * this browser could decode the photo (with "hide our faces", the pixelated square its preview
 * shows); else the file itself (the server reads, strips, pixelates or refuses it).
 */
async function photoToSend(file: File): Promise<[Blob, string]> {
  if (bitmap) {
    try {
      const copy = hideFaces.checked
        ? hiddenFacesCopy(bitmap, crop)
        : smallCopy(bitmap, UPLOAD_MAX_SIDE, 0.88);
      return [await copy, 'photo.jpg'];
    } catch {
      // No OffscreenCanvas encoder here: send the file.
    }
  }
  return [file, file.name || 'photo.jpg'];
}

/** What one kiss sends, every try alike: what waitingKiss.ts keeps while it waits. */
type Outgoing = Omit<WaitingKiss, 'savedAt'> & { savedAt?: number };

byId('send').addEventListener('click', async () => {
  if (busy) return;
  showError(null);
  if (!photo) {
    showError(() => t('add.needPhoto'), pickers);
    return;
  }
  if (sayShape()) return;
  if (!consent.checked) {
    showError(() => t('add.needConsent'), [consent]);
    consent.focus();
    return;
  }
  const key = uploadKey;
  const hide = hideFaces.checked;
  setBusy(true);
  setProgress(0);
  let out: Outgoing;
  try {
    const [blob, name] = await photoToSend(photo);
    out = { key, photo: blob, name, event, hideFaces: hide };
  } catch (err) {
    showError(() => errorMessage(err));
    setProgress(null);
    setBusy(false);
    return;
  }
  await deliver(out);
});

/** Sends a kiss until it is in (the success view), refused (the error), or not to be sent. */
async function deliver(out: Outgoing): Promise<void> {
  setBusy(true);
  setProgress(0);
  let given = false;
  try {
    const form = new FormData();
    form.append('photo', out.photo, out.name);
    if (out.event) form.append('event', out.event);
    if (out.hideFaces) form.append('hideFaces', '1');
    showDone(await sendWithRetries(form, out));
  } catch (err) {
    given = err instanceof NotSent;
    if (!given)
      showError(
        () => errorMessage(err),
        err instanceof ApiError && PHOTO_ERRORS.has(err.code) ? pickers : [],
      );
    setProgress(null);
  } finally {
    if (given && tried) {
      // A try may have reached us (its answer lost): what it stored is taken out, and the next
      // Send is a new upload, under a new key.
      uploadKey = randomId();
      void withdraw(out.key, await keepWithdrawal({ key: out.key, savedAt: Date.now() }));
    }
    if (kept) await forgetWaiting();
    kept = false;
    tried = false;
    byId('resumed').hidden = true;
    setBusy(false);
    // Given up: focus leaves the button that went and lands on Send, which works again.
    if (given) byId('send').focus();
  }
}

/** Whether a try of the kiss being sent has left this page (it may have reached the server). */
let tried = false;

/**
 * "Don't send it" after a try that may have reached us: that try's tile, if one was stored, is
 * taken out now, or, when the server cannot be asked (offline), as soon as it can. The key (not
 * the photo) is kept in this browser first, so that a page closed meanwhile still does it; where
 * the browser keeps nothing, leaving the page asks first until it is done.
 */
async function withdraw(key: string, keptHere: boolean): Promise<void> {
  withdrawing.set(key, keptHere);
  if (await withdrawn(key)) {
    await done(key);
    if (withdrawing.size === 0) withdrawnSince = 0;
    return;
  }
  sayWithdrawal(withdrawalWaits());
  await withdrawLater(key);
}

/** Asks the server to take the key's tile out; whether it is done (out, or none was stored). */
async function withdrawn(key: string): Promise<boolean> {
  try {
    await withdrawUpload(key);
    return true;
  } catch {
    return false;
  }
}

/**
 * Asks again once online, then every 30 s, until the server answers; then forgets it and, once
 * no other withdrawal waits, says that nothing of the kiss is in the mosaic.
 */
async function withdrawLater(key: string): Promise<void> {
  if (!withdrawing.has(key)) withdrawing.set(key, true);
  for (;;) {
    await backOnline();
    if (await withdrawn(key)) break;
    await sleep(30_000);
  }
  await done(key);
  if (withdrawing.size === 0) {
    // One kiss or several: the words say which.
    sayWithdrawal(withdrawnSince > 1 ? 'add.withdrawnAll' : 'add.withdrawn');
    withdrawnSince = 0;
  } else if (withdrawalWords !== null) sayWithdrawal(withdrawalWaits());
}

/** What the waiting words say: to keep the page open while one withdrawal waits that this browser could not keep. */
const withdrawalWaits = (): WithdrawalWords =>
  [...withdrawing.values()].includes(false) ? 'add.withdrawWaitOpen' : 'add.withdrawWait';

/** Withdrawals done since none last waited: what the closing words speak of. */
let withdrawnSince = 0;

async function done(key: string): Promise<void> {
  await forgetWithdrawal(key);
  if (withdrawing.delete(key)) withdrawnSince++;
}

/** Where a withdrawal stands, said in a polite status line under the form. */
type WithdrawalWords = 'add.withdrawWait' | 'add.withdrawWaitOpen' | 'add.withdrawn' | 'add.withdrawnAll';
let withdrawalWords: WithdrawalWords | null = null;
function sayWithdrawal(words: WithdrawalWords): void {
  withdrawalWords = words;
  const note = byId('withdrawal');
  sayIn(note, () => t(words));
  note.hidden = false;
}

/** The contributor pressed "Don't send it" while the kiss waited. */
class NotSent extends Error {}

/** While a photo is on its way, the choices it was sent with stay as they are, and Send waits. */
function setBusy(on: boolean): void {
  busy = on;
  for (const el of [byId<HTMLButtonElement>('send'), ...pickers, hideFaces, consent]) el.disabled = on;
}

/** Waits before a network retry: 2, 4, 8 then 16 s; then the page says the send failed. */
const NETWORK_RETRY_S = [2, 4, 8, 16];

/**
 * The server cannot store photos for a while (its database away, its disk full or failing):
 * the kiss waits, kept, and goes again after each Retry-After for as long as the page is open.
 * A try whose answer said the disk failed may still have been stored: the same key later
 * brings back that tile and its delete link.
 */
/** While the browser says it is offline, how often the page tries anyway. */
const OFFLINE_RECHECK_MS = 30_000;
const SERVER_WAITS: ReadonlySet<string> = new Set(['STORE_UNAVAILABLE', 'STORAGE_FULL', 'STORAGE_FAILED']);

/**
 * Sends the photo, again and again with the same key where that can help, so that it goes in
 * once and its answer (with the delete link) is never lost:
 * - while the mosaic changes servers (503 PLACER_UNAVAILABLE: the photo is stored and waits to
 *   be placed), and while the server cannot store photos (SERVER_WAITS), after each
 *   Retry-After, however long;
 * - offline, as soon as the browser is back online, however long that takes;
 * - after a dropped or stalled connection, four more times, 2 to 16 s apart.
 * A photo chosen meanwhile does not stop it: an attempt that failed may still have stored
 * this one, and only its own key brings back that tile's delete link.
 */
async function sendWithRetries(form: FormData, out: Outgoing): Promise<UploadResult> {
  const { key } = out;
  let networkTries = 0;
  /** The wait (with its words) before the next try, or null when this refusal is final. */
  const waitAfter = (err: ApiError): (() => Promise<void>) | null => {
    // Stored already: giving up here would leave a tile its contributor cannot delete.
    if (err.code === 'PLACER_UNAVAILABLE') {
      return async () => {
        showError(() => errorMessage(err));
        await unlessNotSent(sleep((err.retryAfterS ?? 5) * 1000));
        showError(null);
      };
    }
    if (SERVER_WAITS.has(err.code)) {
      return async () => {
        sayWhileWaiting(() => t('add.serverWait'));
        await unlessNotSent(sleep(Math.max(5, err.retryAfterS ?? 60) * 1000));
      };
    }
    if (err.code === 'NETWORK' && !navigator.onLine) {
      return async () => {
        sayWhileWaiting(() => t('add.offline'));
        // Or a try every 30 s: a browser's word that it is offline is not always true (a VPN,
        // some Linux networks), and a try while really offline fails at once.
        const stop = new AbortController();
        await unlessNotSent(
          Promise.race([backOnline(stop.signal), pause(OFFLINE_RECHECK_MS, stop.signal)]),
        ).finally(() => stop.abort());
        networkTries = 0;
      };
    }
    if (err.code === 'NETWORK' && networkTries < NETWORK_RETRY_S.length) {
      const s = NETWORK_RETRY_S[networkTries++] ?? 16;
      return async () => {
        sayWhileWaiting(() => t('add.retrying', { s }));
        await unlessNotSent(sleep(s * 1000));
      };
    }
    return null;
  };
  for (;;) {
    try {
      // Offline, the request never leaves: nothing of it can have reached us.
      if (navigator.onLine) tried = true;
      return await uploadTile(form, setProgress, key);
    } catch (err) {
      const wait = err instanceof ApiError ? waitAfter(err) : null;
      if (!wait) throw err;
      // Before its first wait the kiss is kept in this browser, so that a closed page does not
      // lose it; the page says that it waits only once it is kept.
      if (!kept) kept = await keepWaiting({ ...out, savedAt: out.savedAt ?? Date.now() });
      await wait();
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A wait between tries, with "Don't send it" beside it: pressed, the kiss is given up (NotSent). */
function unlessNotSent(wait: Promise<void>): Promise<void> {
  const button = byId<HTMLButtonElement>('not-sent');
  button.hidden = false;
  return new Promise<void>((resolve, reject) => {
    let given = false;
    const stop = (): void => {
      given = true;
      button.hidden = true;
      reject(new NotSent());
    };
    button.addEventListener('click', stop, { once: true });
    void wait.then(() => {
      // Given up: the button may be another wait's by now.
      if (given) return;
      button.removeEventListener('click', stop);
      if (document.activeElement === button) byId('progress-text').focus();
      button.hidden = true;
      resolve();
    });
  });
}

/** Says why the page waits, in the progress words (a polite live region), the bar kept as it was. */
function sayWhileWaiting(words: () => string): void {
  byId('progress-box').hidden = false;
  sayProgress(words, null);
}

function showDone(res: UploadResult): void {
  byId('form-view').hidden = true;
  byId('done-view').hidden = false;
  const title = byId('done-title');
  sayIn(title, () => t(res.status === 'placed' ? 'done.title' : 'done.pending'));
  title.focus();
  const delLink = `${location.origin}/add?delete=${res.id}.${res.deleteToken}`;
  byId<HTMLInputElement>('delete-link').value = delLink;
  byId('copy-delete').addEventListener('click', (e) =>
    copyText(delLink, e.currentTarget as HTMLElement, t('done.copied')),
  );
  byId<HTMLAnchorElement>('another').href = event ? `/add?event=${event}` : '/add';
  if (res.status === 'placed') {
    showPlaced(res.id, res.col, res.row);
    return;
  }
  const placedParts = ['permalink-box', 'mini-board', 'see', 'share-card', 'share'];
  for (const id of placedParts) byId(id).hidden = true;
  // Waiting for a moderator: the page follows the review, and says how it ends.
  const status = byId('review-status');
  sayIn(status, () => t('done.reviewWaiting'));
  status.hidden = false;
  followReview(res.id, res.deleteToken, {
    live: (col, row) => {
      sayIn(title, () => t('done.title'));
      sayIn(status, () => t('done.reviewApproved'));
      for (const id of placedParts) byId(id).hidden = false;
      showPlaced(res.id, col, row);
    },
    gone: () => {
      sayIn(status, () => t('done.reviewRejected'));
      // Nothing is left to delete.
      byId('delete-box').hidden = true;
    },
  });
}

/** The kiss in the mosaic: its link, where it landed, and the card to share. */
function showPlaced(id: number, col: number, row: number): void {
  const permalink = `${location.origin}/t/${id}`;
  byId<HTMLInputElement>('permalink').value = permalink;
  byId<HTMLAnchorElement>('see').href = `/t/${id}${event ? `?event=${encodeURIComponent(event)}` : ''}`;
  byId('copy-permalink').addEventListener('click', (e) =>
    copyText(permalink, e.currentTarget as HTMLElement, t('done.copied')),
  );
  void flyToNewTile(id, col, row);
  void shareCard(id, permalink);
}

/**
 * The mini mosaic downloads the whole mosaic (12 bytes a tile). Past this many tiles the
 * success view shows the tile among its neighbours instead (a few atlas blocks), and when
 * the phone asks to save data it only links to the tile: contributors are often on slow,
 * metered mobile data.
 */
const MINI_BOARD_MAX_TILES = 100_000;

/**
 * The mini mosaic's renderer (PixiJS and the live feed, most of the page's script) is not part of
 * its first load, which a phone on a rally's crowded network needs quickly to show the form. It is
 * asked for once a photo is chosen, while the person goes on to consent and send, and not at all
 * when the phone asks to save data; a failed download is tried again when next needed.
 */
let miniMosaic: Promise<typeof import('../ui/mosaic.ts')> | null = null;
function loadMiniMosaic(): Promise<typeof import('../ui/mosaic.ts')> {
  miniMosaic ??= import('../ui/mosaic.ts').catch((e: unknown) => {
    miniMosaic = null;
    throw e;
  });
  return miniMosaic;
}

/** Starts the mini mosaic's download ahead of the success view, unless the phone saves data. */
function prefetchMiniMosaic(): void {
  if (!savingData()) loadMiniMosaic().catch(() => {});
}

function savingData(): boolean {
  const c = (navigator as Navigator & { connection?: { saveData?: boolean; effectiveType?: string } })
    .connection;
  return !!c && (c.saveData === true || c.effectiveType === 'slow-2g' || c.effectiveType === '2g');
}

async function flyToNewTile(id: number, col: number, row: number): Promise<void> {
  let info: MosaicInfo | null = null;
  try {
    info = await getMosaic();
  } catch {
    // Unknown size: leave the mini mosaic out rather than risk a big download.
  }
  if (!info || savingData()) {
    byId('mini-board').hidden = true;
    return;
  }
  if (info.tileCount > MINI_BOARD_MAX_TILES) {
    // Where the tile is now (a swap may have moved it since the answer).
    const where = await getTile(id).catch(() => ({ col, row }));
    await drawNeighbourhood(byId('mini-board'), info, where.col, where.row, t('done.neighbourhood')).catch(
      () => {
        byId('mini-board').hidden = true;
      },
    );
    return;
  }
  let flown = false;
  const fly = (): void => {
    const board = running?.board;
    if (flown || !board) return;
    const tile = board.tileById(id);
    if (!tile && board.cols <= col) return;
    flown = true;
    board.mark(tile?.col ?? col, tile?.row ?? row);
    // Reduced motion: the camera is there at once (a 1 ms flight), no zoom toward the tile.
    const still = prefersReducedMotion();
    setTimeout(() => board.flyTo(tile?.col ?? col, tile?.row ?? row, 200, still ? 1 : 2400), still ? 0 : 400);
  };
  const mini = await loadMiniMosaic().catch(() => null);
  if (!mini) {
    byId('mini-board').hidden = true;
    return;
  }
  let running: Awaited<ReturnType<typeof mini.startMosaic>> | null = null;
  mini
    .startMosaic(byId('mini-board'), {
      animateArrivals: !prefersReducedMotion(),
      relaid: () => setTimeout(fly, 0),
      changed: () => setTimeout(fly, 0),
    })
    .then(
      (r) => {
        running = r;
        fly();
      },
      () => {
        byId('mini-board').hidden = true;
      },
    );
}

async function shareCard(id: number, permalink: string): Promise<void> {
  const canvas = byId<HTMLCanvasElement>('share-card');
  let img: ImageBitmap | null = null;
  try {
    img = await loadBitmap(tileUrl(await getMosaic(), id, 512));
  } catch {
    // Pending or slow: the card is drawn without the photo.
  }
  const draw = (): void => drawShareCard(canvas, img, t('done.shareText'), t('app.hashtag'));
  draw();
  onLanguageChange(draw);
  byId('share').addEventListener('click', async () => {
    const text = t('done.shareText');
    const blob = await new Promise<Blob | null>((r) => canvas.toBlob(r, 'image/png'));
    const file = blob ? new File([blob], 'kiss.png', { type: 'image/png' }) : null;
    try {
      if (file && navigator.canShare?.({ files: [file] }))
        await navigator.share({ files: [file], text, url: permalink });
      else if (navigator.share) await navigator.share({ text, url: permalink });
      else await copyText(`${text} ${permalink}`, byId('share'), t('done.copied'));
    } catch {
      // The person closed the share sheet.
    }
  });
}

// The delete link: /add?delete=<id>.<token>
const del = params.get('delete');

/**
 * A kiss left waiting (for the network or the server) on an earlier visit (the page closed, or
 * dropped by the phone) goes out now, with the photo, choices and key it was sent with, as the
 * page promised.
 */
async function resumeWaiting(): Promise<void> {
  const kiss = await waitingKiss();
  if (!kiss || busy || photo) return;
  // Locked at once: Send pressed while the preview is drawn would send it a second time.
  setBusy(true);
  kept = true;
  photo = new File([kiss.photo], kiss.name, { type: kiss.photo.type });
  uploadKey = kiss.key;
  hideFaces.checked = kiss.hideFaces;
  consent.checked = true;
  byId('resumed').hidden = false;
  // A try on the earlier visit may have reached us.
  tried = true;
  // It goes out at once; its preview is drawn meanwhile (decoding it takes a while on a phone).
  const sending = deliver(kiss);
  prefetchMiniMosaic();
  try {
    // What is sent: the copy as it was made (its faces already hidden when asked), uncropped.
    const shown = await createImageBitmap(kiss.photo);
    bitmap = shown;
    const canvas = byId<HTMLCanvasElement>('preview');
    byId('preview-box').hidden = false;
    drawPreview(canvas, shown, false, null);
    // Where the server will crop it, once it answers (a faces-hidden copy is already square).
    if (!kiss.hideFaces)
      void smallCopy(shown)
        .then(previewCrop)
        .then((box) => {
          if (!box || bitmap !== shown) return;
          crop = box;
          drawPreview(canvas, shown, false, crop);
        })
        .catch(() => undefined);
  } catch {
    showNoPreview(kiss.name);
  }
  await sending;
}
if (del === null) void resumeWaiting();
// A kiss given up on an earlier visit while offline: what its try stored is taken out now.
if (del === null)
  void waitingWithdrawals().then((all) => {
    for (const w of all) void withdrawLater(w.key);
  });
if (del !== null) {
  byId('form-view').hidden = true;
  byId('delete-view').hidden = false;
  const m = new RegExp(`^(\\d+)\\.(${DELETE_TOKEN_PATTERN})$`).exec(del);
  const id = m?.[1] ?? '';
  const token = m?.[2] ?? '';
  const text = byId('delete-text');
  const error = byId('delete-error');
  const button = byId<HTMLButtonElement>('delete-button');
  const photoBox = byId('delete-photo-box');
  const photo = byId<HTMLImageElement>('delete-photo');
  /**
   * The link's state: its kiss to confirm, removed now, not there (removed before, or a number
   * mistyped), a token that is not its kiss's, or not a delete link at all.
   */
  type DeleteState = 'ask' | 'done' | 'gone' | 'wrong' | 'bad';
  const words: Record<DeleteState, () => string> = {
    ask: () => t('delete.confirm', { id }),
    done: () => t('delete.done'),
    gone: () => t('delete.gone', { id }),
    wrong: () => t('delete.wrongLink', { id }),
    bad: () => t('delete.bad'),
  };
  let state: DeleteState = m ? 'ask' : 'bad';
  const show = (next: DeleteState): void => {
    state = next;
    sayIn(text, words[next]);
    button.hidden = next !== 'ask';
    photoBox.hidden = next !== 'ask';
    // A token that removes nothing any more leaves the address bar (and this page's history entry).
    if (next === 'done' || next === 'gone') history.replaceState(null, '', '/add');
  };
  /** What an answer about the kiss says of the link, or null when it says nothing of it (offline). */
  const stateOf = (err: unknown): DeleteState | null =>
    err instanceof ApiError && err.code === 'NOT_FOUND'
      ? 'gone'
      : err instanceof ApiError && err.code === 'FORBIDDEN'
        ? 'wrong'
        : null;
  show(state);
  sayIn(byId('delete-photo-id'), () => t('tile.title', { id }));
  // Before anything is pressed: the kiss the link removes (its photo, when it is in the mosaic),
  // or why the link removes nothing.
  if (m)
    tileStatus(Number(id), token)
      .then(
        async (s) => {
          if (state !== 'ask') return;
          if (s === null) return show('gone');
          // Waiting for a moderator: its photo is not public yet, and the square says so.
          if (s.status !== 'live') {
            byId('delete-photo-waiting').hidden = false;
            return;
          }
          photo.src = tileUrl(await getMosaic(), Number(id), 512);
        },
        (err) => {
          const known = stateOf(err);
          if (known && state === 'ask') show(known);
        },
      )
      // Without the mosaic's address (offline) the square keeps the kiss's number; the button works.
      .catch(() => undefined);
  photo.addEventListener('load', () => {
    photo.alt = t('tile.photoAlt', { id });
    photo.hidden = false;
  });
  onLanguageChange(() => {
    if (!photo.hidden) photo.alt = t('tile.photoAlt', { id });
  });
  button.addEventListener('click', async () => {
    if (!m) return;
    button.disabled = true;
    sayIn(error, null);
    let ended: DeleteState | null = null;
    try {
      await deleteTile(Number(id), token);
      ended = 'done';
    } catch (err) {
      ended = stateOf(err);
      if (!ended) sayIn(error, () => errorMessage(err));
    }
    button.disabled = false;
    if (!ended) return;
    show(ended);
    // The words take the focus from the button that went, so a screen reader says them.
    text.focus();
  });
}

// The form answers from here on (test/bench/addPage.ts times a phone's load to this mark).
performance.mark('add:ready');
