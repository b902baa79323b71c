/**
 * Two y axes on one chart share its gridlines only when their ticks fall at the same heights.
 * Each scale here runs from 0 in {@link DIVISIONS} round steps (1, 2 or 5 times a power of ten), so
 * every such scale has its ticks at the same fractions of the chart's height.
 */
export const DIVISIONS = 4;

/** The top of a 0-based scale of {@link DIVISIONS} round steps that holds `max` (at least one per step). */
export function roundTop(max: number | null | undefined): number {
  const need = Math.max(1, max ?? 0) / DIVISIONS;
  const power = 10 ** Math.floor(Math.log10(need));
  // need < 10 * power, so one of these always holds it.
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= need)!;
  return Math.max(1, step) * DIVISIONS;
}

/** The ticks of such a scale: 0 and each step up to its top. */
export function roundSplits(top: number): number[] {
  return Array.from({ length: DIVISIONS + 1 }, (_, i) => (top * i) / DIVISIONS);
}
