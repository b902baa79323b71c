/** The person asked their system for less motion: no fly-ins, no camera flights. */
export function prefersReducedMotion(): boolean {
  return matchMedia('(prefers-reduced-motion: reduce)').matches;
}
