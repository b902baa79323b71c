/**
 * The rally flyer's text: in the rally's language, with its name and city, set in Noto Sans
 * where Debian's fonts-noto-core is installed and in the bundled DejaVu Sans where it is not.
 * Read back with poppler's pdftotext and pdffonts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NOTO, rallyFlyer } from '../../server/rallies/flyer.ts';
import { FLYER_TEXT } from '../../server/rallies/flyerText.ts';
import { type Rally, rallyLinks } from '../../shared/rallies.ts';
import { LONDON, MOSCOW } from '../support/rallies.ts';

const dir = mkdtempSync(join(tmpdir(), 'flyer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rally = (r: typeof MOSCOW, name = r.name): Rally => ({
  ...r,
  name,
  createdAt: '2026-05-01T10:00:00.000Z',
  links: rallyLinks(r.code, r.language),
});

/** The flyer's words as pdftotext reads them (one line each), and the names of its fonts. */
async function read(r: Rally, noto: string): Promise<{ text: string; fonts: string }> {
  const file = join(dir, `${r.code}-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, await rallyFlyer(r, 'A4', `https://kiss.example/add?event=${r.code}`, noto));
  return {
    text: execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }),
    fonts: execFileSync('pdffonts', [file], { encoding: 'utf8' }),
  };
}

const noNoto = join(dir, 'no-such-folder', 'NotoSans-');
const faces: Array<[string, string, string]> = [
  ['DejaVu Sans, where Noto Sans is not installed', noNoto, 'DejaVuSans'],
  ...(existsSync(`${NOTO}Regular.ttf`) ? [['Noto Sans', NOTO, 'NotoSans'] as [string, string, string]] : []),
];

describe.each(faces)('the rally flyer in %s', (_, noto, face) => {
  it("prints a Russian rally's call, name, city and day in Russian", async () => {
    const { text, fonts } = await read(rally(MOSCOW), noto);
    const ru = FLYER_TEXT.ru;
    for (const line of [ru.call, 'Поцелуй на Арбате', 'Москва · 17 мая 2026 г.', ru.scan, ru.kept])
      expect(text).toContain(line);
    expect(text).toContain('#kiss4lgbtqrights');
    expect(text).toContain('https://kiss.example/add?event=moscow');
    // pdf-lib names each embedded subset after the face: "NotoSans-Bold-1848".
    expect(fonts).toMatch(new RegExp(`^${face}-Bold-\\d+ `, 'm'));
    expect(fonts).toMatch(new RegExp(`^${face}(-Regular)?-\\d+ `, 'm'));
    expect(fonts).not.toContain('Helvetica');
  });

  it('leaves out letters the font cannot draw, rather than printing boxes', async () => {
    const { text } = await read(rally(LONDON, '💋 Kiss-in 💋 at Trafalgar'), noto);
    expect(text).toContain('Kiss-in at Trafalgar');
    expect(text).toContain(FLYER_TEXT.en.call);
    expect(text).not.toMatch(/[\u{1F48B}\uFFFD]/u);
  });
});
