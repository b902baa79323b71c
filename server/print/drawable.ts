import fontkit from '@pdf-lib/fontkit';

/** Whether every one of `fonts` (TrueType files) holds a glyph for a code point. */
export function glyphTest(fonts: readonly Uint8Array[]): (codePoint: number) => boolean {
  const faces = fonts.map((f) => fontkit.create(f));
  return (cp) => faces.every((face) => face.hasGlyphForCodePoint(cp));
}

/**
 * `text` as a PDF can print it: the characters the fonts cannot draw (an emoji, a script they
 * lack) left out rather than printed as empty boxes, and the spaces around them tidied.
 */
export function drawable(text: string, has: (codePoint: number) => boolean): string {
  return Array.from(text)
    .filter((ch) => has(ch.codePointAt(0)!))
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
}
