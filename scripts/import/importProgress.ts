import cliProgress from 'cli-progress';
import type { ImportTally } from '../../shared/importFiles.ts';

/** How far an import is: a bar on a terminal, otherwise a line every few seconds (logs, CI). */
export interface ImportProgress {
  update(done: number, tally: ImportTally): void;
  /** The server stopped answering (since when, and why), or answers again (null). */
  waiting(down: { since: number; error: string } | null): void;
  stop(): void;
}

/** What is said while the server cannot be reached: for how long so far. */
const waitingFor = (since: number) =>
  `waiting for the server (no answer for ${formatSecs(Math.round((Date.now() - since) / 1000))})`;

function rateAndEta(started: number, done: number, total: number) {
  const secs = (Date.now() - started) / 1000;
  const rate = secs > 0 ? done / secs : 0;
  const eta = rate > 0 ? Math.round((total - done) / rate) : null;
  return { rate: rate.toFixed(1), eta: eta === null ? '?' : formatSecs(eta) };
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
export function importProgress(total: number, opts: { tty: boolean; everyMs?: number }): ImportProgress {
  const started = Date.now();
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
    return {
      update(done, t) {
        const { rate, eta } = rateAndEta(started, done, total);
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
        if (!down) return bar.update({ note: '' });
        const say = () => bar.update({ note: ` | ${waitingFor(down.since)}` });
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
    const { rate, eta } = rateAndEta(started, done, total);
    const pct = total ? Math.floor((done / total) * 100) : 100;
    console.log(
      `import: ${done}/${total} (${pct} %), ${rate} photos/s, ETA ${eta}; imported ${tally.imported + tally.pending}, skipped ${tally.skipped}, refused ${tally.refused}${downSince === null ? '' : `; ${waitingFor(downSince)}`}`,
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
      if (down)
        console.log(
          `import: the server does not answer (${down.error}); the import waits and goes on by itself once it does. Nothing is sent twice.`,
        );
      else if (downSince !== null)
        console.log(
          `import: the server answers again after ${formatSecs(Math.round((Date.now() - downSince) / 1000))}.`,
        );
      downSince = down?.since ?? null;
    },
    stop() {
      clearInterval(timer);
      line();
    },
  };
}
