/**
 * The event screen's keys for whoever runs it. P (or the Pause key) holds the live mosaic:
 * new tiles wait and land on resume; its button shows on keyboard focus, and a badge stays
 * in view while paused. S says the totals. The screen's one live region says only what a
 * key asked for, never the stream of arrivals.
 */
import { onLanguageChange, t } from '../i18n/index.ts';

export interface ScreenControls {
  button: HTMLButtonElement;
  /** Shown while paused. */
  badge: HTMLElement;
  /** A polite live region, empty until a key asks. */
  said: HTMLElement;
  setPaused(paused: boolean): void;
  /** Paused from the start (the page reloaded itself while paused). */
  paused?: boolean;
  /** The totals in words, as the screen shows them. */
  counts(): string;
}

export function mountScreenControls(c: ScreenControls): void {
  let paused = c.paused === true;
  let sayTimer: ReturnType<typeof setTimeout> | null = null;
  const show = (): void => {
    c.button.textContent = t(paused ? 'screen.resume' : 'screen.pause');
    c.badge.hidden = !paused;
  };
  // Emptied first, so the same words asked for twice are said twice.
  const say = (text: string): void => {
    c.said.textContent = '';
    if (sayTimer) clearTimeout(sayTimer);
    sayTimer = setTimeout(() => {
      c.said.textContent = text;
    }, 100);
  };
  const toggle = (): void => {
    paused = !paused;
    c.setPaused(paused);
    show();
    say(t(paused ? 'screen.paused' : 'screen.resumed'));
  };
  c.button.setAttribute('aria-keyshortcuts', 'P');
  c.button.addEventListener('click', toggle);
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
    // By key position, so that P and S work on any keyboard layout.
    if (e.code === 'KeyP' || e.key === 'Pause') {
      e.preventDefault();
      toggle();
    } else if (e.code === 'KeyS') {
      e.preventDefault();
      say(c.counts());
    }
  });
  show();
  onLanguageChange(show);
}
