/**
 * What a screen projected at a rally for hours needs from the browser: a Screen Wake Lock
 * (taken again whenever the page comes back into view, as the browser drops it when it
 * hides), full screen from a button or the F key, and a pointer and button that fade out
 * while the mouse is still. The lock's state is on <body data-wake-lock> for the operator's
 * tools and the tests: held, released, refused or unsupported.
 */
import { onLanguageChange, t } from '../i18n/index.ts';

const IDLE_MS = 3000;

function setLockState(state: 'held' | 'released' | 'refused' | 'unsupported'): void {
  document.body.dataset.wakeLock = state;
}

async function takeWakeLock(): Promise<void> {
  if (!('wakeLock' in navigator)) {
    setLockState('unsupported');
    return;
  }
  try {
    const lock = await navigator.wakeLock.request('screen');
    setLockState('held');
    lock.addEventListener('release', () => setLockState('released'));
  } catch {
    // Not allowed here (e.g. low battery, or a policy): the screen may sleep.
    setLockState('refused');
  }
}

function toggleFullscreen(): void {
  if (document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
  else void document.documentElement.requestFullscreen().catch(() => undefined);
}

/** Wires the wake lock, the full-screen button and key, and the idle fade. */
export function keepScreen(button: HTMLButtonElement): void {
  void takeWakeLock();
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && document.body.dataset.wakeLock !== 'held')
      void takeWakeLock();
  });

  if (!document.fullscreenEnabled) button.hidden = true;
  const label = (): void => {
    button.textContent = t(document.fullscreenElement ? 'screen.exitFullscreen' : 'screen.fullscreen');
    button.setAttribute('aria-pressed', String(!!document.fullscreenElement));
  };
  label();
  onLanguageChange(label);
  document.addEventListener('fullscreenchange', label);
  button.addEventListener('click', toggleFullscreen);
  document.addEventListener('keydown', (e) => {
    if (
      (e.key === 'f' || e.key === 'F') &&
      !e.ctrlKey &&
      !e.metaKey &&
      !e.altKey &&
      document.fullscreenEnabled
    ) {
      e.preventDefault();
      toggleFullscreen();
    }
  });

  let timer: ReturnType<typeof setTimeout> | null = null;
  const wake = (): void => {
    document.body.classList.remove('idle');
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => document.body.classList.add('idle'), IDLE_MS);
  };
  for (const type of ['pointermove', 'pointerdown', 'keydown'] as const)
    document.addEventListener(type, wake);
  wake();
}
