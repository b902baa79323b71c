import { describe, expect, it } from 'vitest';
import { RELOAD_AFTER_MS, RELOAD_EVERY_MS, reloadDelayMs } from '../../client/ui/screenUpdate.ts';

describe('a screen reloading itself for a new version', () => {
  it.each([
    ['never reloaded before', null, 1_000_000, RELOAD_AFTER_MS],
    ['reloaded long ago', 1_000_000 - 10 * RELOAD_EVERY_MS, 1_000_000, RELOAD_AFTER_MS],
    ['reloaded 20 s ago: waits out the minute', 1_000_000 - 20_000, 1_000_000, RELOAD_EVERY_MS - 20_000],
    [
      'reloaded 58 s ago: still leaves the sign up a few seconds',
      1_000_000 - 58_000,
      1_000_000,
      RELOAD_AFTER_MS,
    ],
    ['the clock went back: no more than a minute', 1_000_000 + 3_600_000, 1_000_000, RELOAD_EVERY_MS],
  ])('%s', (_name, last, now, wait) => {
    expect(reloadDelayMs(last, now)).toBe(wait);
  });
});
