/** Jobs of this many tiles or more log their progress. */
const LOGGED_FROM = 1000;

/**
 * A progress reporter for a job over `total` tiles: logs `<label>: N% (done/total tiles, T s)`
 * at every tenth of the way; silent for jobs under 1,000 tiles.
 */
export function progressLog(label: string, total: number): (done: number) => void {
  if (total < LOGGED_FROM) return () => {};
  const started = Date.now();
  let lastPct = -1;
  return (done) => {
    const pct = Math.floor((done / total) * 10) * 10;
    if (pct === lastPct) return;
    lastPct = pct;
    console.log(
      `${label}: ${pct}% (${done}/${total} tiles, ${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
  };
}
