import { createHash } from 'node:crypto';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
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

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Lets SVG text that sharp renders in this process (librsvg through fontconfig) find DejaVu Sans
 * even on a machine with no fonts installed, where every letter would come out as an empty box.
 * Points `FONTCONFIG_FILE` at a configuration that includes the one fontconfig would have read
 * (the machine's fonts stay) and adds the bundled DejaVu folder. It takes effect only before
 * this process first renders text, so it is called as a renderer process starts. Where the temp
 * dir cannot be written it leaves fontconfig as it is (the machine's own fonts).
 */
export function useBundledFonts(): void {
  const base = process.env.FONTCONFIG_FILE || '/etc/fonts/fonts.conf';
  const conf = [
    '<?xml version="1.0"?>',
    '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">',
    '<fontconfig>',
    `  <include ignore_missing="yes">${escapeXml(base)}</include>`,
    `  <dir>${escapeXml(FONT_DIR)}</dir>`,
    `  <cachedir>${escapeXml(join(tmpdir(), 'kiss-fontconfig-cache'))}</cachedir>`,
    '</fontconfig>',
    '',
  ].join('\n');
  const file = join(
    tmpdir(),
    `kiss-fonts-${createHash('sha256').update(conf).digest('hex').slice(0, 16)}.conf`,
  );
  try {
    if (!existsSync(file)) {
      // Written whole under another name first: two renderers starting at once never read half a file.
      const part = `${file}.${process.pid}.part`;
      writeFileSync(part, conf);
      renameSync(part, file);
    }
  } catch (err) {
    // A temp dir that cannot be written: the machine's own fonts, as before.
    console.warn(`fonts: DejaVu Sans is not added to fontconfig (${(err as Error).message})`);
    return;
  }
  process.env.FONTCONFIG_FILE = file;
}
