import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
/** DejaVu Sans (dejavu-fonts-ttf): Latin, Cyrillic and Greek, so a caption in any campaign language prints. */
const FONT_DIR = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');

/**
 * The font file of the print media and the card, regular or bold. Apart from pdfBasics.ts, so
 * the card (rendered by libvips) does not load pdf-lib and fontkit with it.
 */
export function fontFile(bold: boolean): string {
  return join(FONT_DIR, bold ? 'DejaVuSans-Bold.ttf' : 'DejaVuSans.ttf');
}
