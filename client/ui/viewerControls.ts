/**
 * The viewer's controls beside the mosaic: pan buttons (a single-pointer alternative to
 * dragging), Pause/Resume of the live updates, the reduced-motion switch remembered on this
 * device, and the polite live region that says the count at most once a minute.
 */
import { t } from '../i18n/index.ts';
import type { MosaicBoard } from '../render/MosaicBoard.ts';
import { byId } from './header.ts';
import type { RunningMosaic } from './mosaic.ts';
import { prefersReducedMotion } from './motion.ts';

const MOTION_KEY = 'kiss.motion';
/** The count is said at most this often, never per tile. */
export const COUNT_EVERY_MS = 60_000;

/** Reduced motion: the switch on this device when set, else the system's preference. */
export function motionReduced(): boolean {
  try {
    const saved = localStorage.getItem(MOTION_KEY);
    if (saved === 'reduce' || saved === 'full') return saved === 'reduce';
  } catch {
    // Storage off (private mode): the system's preference decides.
  }
  return prefersReducedMotion();
}

function setPressed(button: HTMLElement, on: boolean): void {
  button.setAttribute('aria-pressed', String(on));
}

/** The four pan buttons move the view by a third of a screen. */
export function mountPanButtons(board: MosaicBoard): void {
  const steps: Array<[string, number, number]> = [
    ['pan-up', 0, 1],
    ['pan-down', 0, -1],
    ['pan-left', 1, 0],
    ['pan-right', -1, 0],
  ];
  for (const [id, x, y] of steps)
    byId(id).addEventListener('click', () => {
      const v = board.viewport;
      board.panBy((x * v.width) / 3, (y * v.height) / 3);
    });
}

/** Pause/Resume (aria-pressed): while pressed, changes queue and the view stands still. */
export function mountPause(running: RunningMosaic, changed: (paused: boolean) => void): void {
  const button = byId('pause');
  setPressed(button, running.paused);
  button.addEventListener('click', () => {
    if (running.paused) running.resume();
    else running.pause();
    setPressed(button, running.paused);
    changed(running.paused);
  });
}

/** The reduced-motion switch: starts from motionReduced() and remembers a choice. */
export function mountMotionSwitch(board: MosaicBoard): void {
  const button = byId('motion');
  setPressed(button, motionReduced());
  button.addEventListener('click', () => {
    const reduce = button.getAttribute('aria-pressed') !== 'true';
    try {
      localStorage.setItem(MOTION_KEY, reduce ? 'reduce' : 'full');
    } catch {
      // Not remembered; it still holds on this page.
    }
    setPressed(button, reduce);
    board.setAnimateArrivals(!reduce);
  });
}

/**
 * Says "the mosaic now has N kisses" in `el` when the count changed, at most once a minute.
 * A quiet count (the page's first, a re-layout) is taken as known and not said.
 */
export function countSpeaker(el: HTMLElement, every = COUNT_EVERY_MS): (n: number, quiet?: boolean) => void {
  let last = -Infinity;
  let saidN = -1;
  let latest = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const speak = (): void => {
    timer = null;
    if (latest === saidN) return;
    saidN = latest;
    last = performance.now();
    el.textContent = t('view.countSaid', { n: latest });
  };
  return (n, quiet = false) => {
    latest = n;
    if (quiet && !timer) saidN = n;
    if (timer || n === saidN) return;
    timer = setTimeout(speak, Math.max(0, last + every - performance.now()));
  };
}
