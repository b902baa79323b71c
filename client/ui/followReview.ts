/**
 * The contribute page while a kiss waits for a moderator (pre-moderation): it asks now and then
 * whether the kiss is in the mosaic yet, so that a contributor at a rally sees it go in (and
 * where), or hears that it was not approved, without reloading. Every 5 s for the first minute,
 * then every 15 s, for at most 6 hours; not while the page is in the background (it asks at once
 * when it comes back); a failed ask (no network) waits for the next.
 */
import { ApiError, tileStatus } from '../net/api.ts';

const FAST_MS = 5000;
const FAST_ASKS = 12;
const SLOW_MS = 15_000;
const GIVE_UP_MS = 6 * 3600_000;

export interface ReviewOutcome {
  /** Approved: in the mosaic, in this cell. */
  live(col: number, row: number): void;
  /** Rejected (deleted), or deleted with its link meanwhile. */
  gone(): void;
}

/** Follows the review of kiss `id`; returns a function that stops following it. */
export function followReview(id: number, token: string, then: ReviewOutcome): () => void {
  const until = Date.now() + GIVE_UP_MS;
  let asks = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let asking = false;
  let done = false;

  const stop = (): void => {
    done = true;
    if (timer) clearTimeout(timer);
    timer = null;
    document.removeEventListener('visibilitychange', visible);
  };
  const later = (): void => {
    if (done || Date.now() > until) {
      stop();
      return;
    }
    if (timer) clearTimeout(timer);
    timer = setTimeout(ask, asks < FAST_ASKS ? FAST_MS : SLOW_MS);
  };
  async function ask(): Promise<void> {
    timer = null;
    if (done || asking) return;
    if (document.hidden) return; // Asked again when the page is back in view.
    asking = true;
    asks++;
    try {
      const answer = await tileStatus(id, token);
      if (done) return;
      if (answer === null) {
        stop();
        then.gone();
      } else if (answer.status === 'live') {
        stop();
        then.live(answer.col, answer.row);
      }
    } catch (err) {
      // A token the server refuses will not change: nothing more to ask.
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        stop();
        return;
      }
    } finally {
      asking = false;
    }
    later();
  }
  function visible(): void {
    if (!document.hidden && !done && !asking) void ask();
  }

  document.addEventListener('visibilitychange', visible);
  later();
  return stop;
}
