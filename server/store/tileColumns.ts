/**
 * How a tile's status and perceptual hash are kept in columns, by the service's tile book and
 * the start-up image alike: one flag byte per tile, and the 64-bit hash as two 32-bit words.
 */

/** Flag bits: the low two bits are the status, then whether a hash is kept. */
export const TileFlag = { none: 0, live: 1, pending: 2, hasPhash: 4 } as const;

/** Writes a 16-digit hex hash into `words` at `2 * i` (high word first). */
export function setPhashWords(words: Uint32Array, i: number, hex: string): void {
  words[2 * i] = Number.parseInt(hex.slice(0, 8), 16);
  words[2 * i + 1] = Number.parseInt(hex.slice(8, 16), 16);
}

/** The 16-digit hex hash kept at `2 * i` of `words`. */
export function phashHex(words: Uint32Array, i: number): string {
  return words[2 * i]!.toString(16).padStart(8, '0') + words[2 * i + 1]!.toString(16).padStart(8, '0');
}
