import cliProgress from 'cli-progress';
import { type ImportTally, WorkClock } from '../../shared/importFiles.ts';

/** How far an import is: a bar on a terminal, otherwise a line every few seconds (logs, CI). */
export interface ImportProgress {
  update(done: number, tally: ImportTally): void;
  /** The server stopped answering (since when, and why), or answers again (null). */
  waiting(down: { since: number; error: string } | null): void;
  stop(): void;
}

/** What is said while the server cannot be reached: for how long so far. */
const waitingFor = (since: number, now: number) =>
  `waiting for the server (no answer for ${formatSecs(Math.round((now - since) / 1000))})`;

/** Photos/s and the time left, over the import's working time (not the time its server was away). */
function rateAndEta(clock: WorkClock, done: number, total: number) {
  const { rate, left } = clock.pace(done, total);
  return { rate: rate.toFixed(1), eta: left === null ? '?' : formatSecs(left) };
}

/** 75 -> "1m15s". */
export function formatSecs(s: number): string {
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** The progress display for `total` files; `tty` decides between the bar and timed lines. */
export function importProgress(
  total: number,
  opts: { tty: boolean; everyMs?: number; now?: () => number },
): ImportProgress {
  const now = opts.now ?? Date.now;
  const clock = new WorkClock(now);
  if (opts.tty) {
    const bar = new cliProgress.SingleBar(
      {
        format:
          'import {bar} {value}/{total} | {rate} photos/s | ETA {etaText} | imported {imported}, skipped {skipped}, refused {refused}{note}',
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { rate: '0.0', etaText: '?', imported: 0, skipped: 0, refused: 0, note: '' });
    let ticking: NodeJS.Timeout | null = null;
    const quiet = () => {
      if (ticking) clearInterval(ticking);
      ticking = null;
    };
    let done = 0;
    return {
      update(d, t) {
        done = d;
        const { rate, eta } = rateAndEta(clock, done, total);
        bar.update(done, {
          rate,
          etaText: eta,
          imported: t.imported + t.pending,
          skipped: t.skipped,
          refused: t.refused,
        });
      },
      waiting(down) {
        quiet();
        clock.waiting(down !== null);
        const { rate, eta } = rateAndEta(clock, done, total);
        if (!down) return bar.update({ note: '', rate, etaText: eta });
        const say = () => bar.update({ note: ` | ${waitingFor(down.since, now())}`, rate, etaText: eta });
        say();
        ticking = setInterval(say, 1000);
      },
      stop: () => {
        quiet();
        bar.stop();
      },
    };
  }
  let done = 0;
  let tally: ImportTally = { imported: 0, pending: 0, skipped: 0, refused: 0 };
  let downSince: number | null = null;
  const line = () => {
    const { rate, eta } = rateAndEta(clock, done, total);
    const pct = total ? Math.floor((done / total) * 100) : 100;
    console.log(
      `import: ${done}/${total} (${pct} %), ${rate} photos/s, ETA ${eta}; imported ${tally.imported + tally.pending}, skipped ${tally.skipped}, refused ${tally.refused}${downSince === null ? '' : `; ${waitingFor(downSince, now())}`}`,
    );
  };
  line();
  const timer = setInterval(line, opts.everyMs ?? 3000);
  return {
    update(d, t) {
      done = d;
      tally = t;
    },
    waiting(down) {
      clock.waiting(down !== null);
      if (down)
        console.log(
          `import: the server does not answer (${down.error}); the import waits and goes on by itself once it does. Nothing is sent twice.`,
        );
      else if (downSince !== null)
        console.log(
          `import: the server answers again after ${formatSecs(Math.round((now() - downSince) / 1000))}.`,
        );
      downSince = down?.since ?? null;
    },
    stop() {
      clearInterval(timer);
      line();
    },
  };
}
