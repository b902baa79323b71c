/**
 * A screen runs unattended for hours, across deploys. Once the server speaks a newer protocol
 * than the page (VERSION_MISMATCH at the handshake), the page cannot go live again until it is
 * reloaded, and nobody may be at the keyboard to do it: the screen says so and reloads itself,
 * paused if it was. At most once a minute, so that a server that still refuses (a deploy half
 * rolled out) does not make it flicker.
 */

const KEY = 'kiss.screen.update';
/** Long enough to read the sign. */
export const RELOAD_AFTER_MS = 5000;
export const RELOAD_EVERY_MS = 60_000;

/** How long to wait before reloading, given when the page last reloaded itself (if it did). */
export function reloadDelayMs(lastAt: number | null, now: number): number {
  if (lastAt === null) return RELOAD_AFTER_MS;
  return Math.min(RELOAD_EVERY_MS, Math.max(RELOAD_AFTER_MS, RELOAD_EVERY_MS - (now - lastAt)));
}

interface Kept {
  at: number;
  paused: boolean;
}

function read(): Kept | null {
  try {
    const v = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Partial<Kept> | null;
    return typeof v?.at === 'number' ? { at: v.at, paused: v.paused === true } : null;
  } catch {
    return null;
  }
}

function write(kept: Kept): void {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(kept));
  } catch {
    // No storage (a locked-down browser): the reload still happens, unpaused.
  }
}

/** Whether the screen was paused when it last reloaded itself; said once, for the page's start. */
export function pausedBeforeUpdate(): boolean {
  const kept = read();
  if (!kept?.paused) return false;
  write({ at: kept.at, paused: false });
  return true;
}

let timer: ReturnType<typeof setTimeout> | null = null;

/** Reloads the page after {@link reloadDelayMs}, keeping whether it is `paused` then. */
export function reloadForUpdate(paused: () => boolean): void {
  if (timer) return;
  timer = setTimeout(
    () => {
      write({ at: Date.now(), paused: paused() });
      location.reload();
    },
    reloadDelayMs(read()?.at ?? null, Date.now()),
  );
}
