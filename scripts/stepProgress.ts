import cliProgress from 'cli-progress';

/** What one step counts, and how it is named in the progress. */
export interface StepSpec {
  label: string;
  unit: 'pages' | 'tiles' | 'bytes';
}

/** A command's steps shown as they go: a bar per step on a terminal, otherwise a line every few seconds (logs, CI). */
export interface StepProgress<S extends string> {
  update(step: S, done: number, total: number): void;
  stop(): void;
}

/** "12/40 tiles", or "0.3/1.2 MB" for bytes. */
const counted = (done: number, total: number, unit: StepSpec['unit']) => {
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  return unit === 'bytes' ? `${mb(done)}/${mb(total)} MB` : `${done}/${total} ${unit}`;
};

export function stepProgress<S extends string>(
  command: string,
  steps: Record<S, StepSpec>,
  opts: { tty: boolean; everyMs?: number },
): StepProgress<S> {
  let current: S | null = null;
  let done = 0;
  let total = 0;
  if (opts.tty) {
    const bar = new cliProgress.SingleBar(
      { format: `${command}: {label} {bar} {percentage}% | {count} | ETA {eta_formatted}`, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    return {
      update(step, d, t) {
        const spec = steps[step];
        if (step !== current) {
          if (current !== null) bar.stop();
          current = step;
          bar.start(Math.max(t, 1), 0, { label: spec.label, count: counted(0, t, spec.unit) });
        }
        bar.setTotal(Math.max(t, 1));
        bar.update(d, { count: counted(d, t, spec.unit) });
      },
      stop() {
        if (current !== null) bar.stop();
      },
    };
  }
  const line = () => {
    if (current === null) return;
    const spec = steps[current];
    const pct = total ? Math.floor((done / total) * 100) : 100;
    console.log(`${command}: ${spec.label} ${counted(done, total, spec.unit)} (${pct} %)`);
  };
  const timer = setInterval(line, opts.everyMs ?? 3000);
  return {
    update(step, d, t) {
      // Each step's start and end are said whatever the timer says.
      const changed = step !== current;
      current = step;
      const finished = d >= t && done < t;
      done = d;
      total = t;
      if (changed || finished) line();
    },
    stop() {
      clearInterval(timer);
    },
  };
}
