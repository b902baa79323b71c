/**
 * Rally codes as small numbers: the tile columns keep a 2-byte code per tile instead of a
 * string. Code 0 is "no rally"; codes are handed out in first-seen order and never change.
 */
export class RallyCodes {
  private readonly names: string[] = [''];
  private readonly index = new Map<string, number>();

  /** The code of `name` (0 for none), handed out on first sight. */
  code(name: string | null): number {
    if (!name) return 0;
    let c = this.index.get(name);
    if (c === undefined) {
      c = this.names.length;
      if (c > 0xffff) throw new RangeError('more than 65,535 rally codes');
      this.names.push(name);
      this.index.set(name, c);
    }
    return c;
  }

  /** The rally of a code, or null for 0. */
  name(code: number): string | null {
    return code ? (this.names[code] ?? null) : null;
  }

  /** Every rally in code order (code 1 first). */
  all(): string[] {
    return this.names.slice(1);
  }
}
