import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildClient } from '../../scripts/buildClient.ts';
import { CLIENT_DIR } from '../../server/http/clientRoutes.ts';
import { syntheticJpeg } from '../support/images.ts';
import { MOSCOW } from '../support/rallies.ts';
import { startServer, type TestServer, upload } from '../support/server.ts';

/** The content of a meta tag, or null. */
function meta(html: string, key: string): string | null {
  const m = new RegExp(`<meta (?:property|name)="${key}" content="([^"]*)"`).exec(html);
  return m ? m[1]! : null;
}

const TOKEN = 'link-preview-token-0123456';

describe('link previews of /t/<id>', () => {
  let s: TestServer;
  beforeAll(async () => {
    if (!existsSync(join(CLIENT_DIR, 'index.html'))) await buildClient({ logLevel: 'warn' });
    s = await startServer({
      MOSAIC_COLS: '12',
      MOSAIC_ROWS: '10',
      PUBLIC_URL: 'https://kiss.example',
      ADMIN_TOKEN: TOKEN,
    });
  }, 180_000);
  afterAll(() => s.destroy());

  it('tags the page with Open Graph and Twitter card tags and draws a 1200x630 card, then 404 after delete', async () => {
    const ids: { id: number; token: string }[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await upload(
        s.url,
        await syntheticJpeg(400, 300, i * 17 + 1),
        i === 2 ? { event: 'london' } : {},
      );
      const b = await r.json();
      ids.push({ id: b.id, token: b.deleteToken });
    }
    const rally = ids[2]!;
    const page = await (await fetch(`${s.url}/t/${rally.id}`)).text();
    expect(meta(page, 'og:title')).toBe(`Kiss #${rally.id} in the #kiss4lgbtqrights mosaic`);
    expect(meta(page, 'og:image')).toBe(`https://kiss.example/api/tiles/${rally.id}/card.png?lang=en`);
    expect(meta(page, 'og:locale')).toBe('en_US');
    expect(meta(page, 'og:image:width')).toBe('1200');
    expect(meta(page, 'og:url')).toBe(`https://kiss.example/t/${rally.id}`);
    expect(meta(page, 'twitter:card')).toBe('summary_large_image');
    expect(meta(page, 'og:description')).toContain('rally london');
    expect(page).toContain('<script'); // still the viewer's page
    const plain = await (await fetch(`${s.url}/t/${ids[0]!.id}`)).text();
    expect(meta(plain, 'og:description')).not.toContain('rally');

    const card = await fetch(`${s.url}/api/tiles/${rally.id}/card.png`);
    expect(card.status).toBe(200);
    expect(card.headers.get('content-type')).toBe('image/png');
    const png = Buffer.from(await card.arrayBuffer());
    const m = await sharp(png).metadata();
    expect([m.width, m.height, m.format]).toEqual([1200, 630, 'png']);
    expect(m.exif).toBeUndefined();
    expect(m.icc).toBeUndefined();
    expect(m.xmp).toBeUndefined();
    const again = Buffer.from(await (await fetch(`${s.url}/api/tiles/${rally.id}/card.png`)).arrayBuffer());
    expect(again.equals(png)).toBe(true);

    const del = await fetch(`${s.url}/api/tiles/${rally.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${rally.token}` },
    });
    expect(del.status).toBe(204);
    const gone = await fetch(`${s.url}/api/tiles/${rally.id}/card.png`);
    expect(gone.status).toBe(404);
    expect((await gone.json()).error.code).toBe('NOT_FOUND');
    const after = await (await fetch(`${s.url}/t/${rally.id}`)).text();
    expect(meta(after, 'og:image')).toBeNull();
    expect(meta(after, 'og:title')).toContain('#kiss4lgbtqrights');
    expect((await fetch(`${s.url}/api/tiles/999999/card.png`)).status).toBe(404);
    expect((await fetch(`${s.url}/api/tiles/abc/card.png`)).status).toBe(404);
  }, 60_000);

  it('keeps a link page compressed while it stays the same, and follows the count as kisses land', async () => {
    const { id } = await (await upload(s.url, await syntheticJpeg(400, 300, 601))).json();
    const page = async () => {
      const r = await fetch(`${s.url}/t/${id}`, { headers: { 'Accept-Encoding': 'br' } });
      expect(r.headers.get('content-encoding')).toBe('br');
      return r.text();
    };
    const count = async () =>
      ((await (await fetch(`${s.url}/api/mosaic`)).json()) as { tileCount: number }).tileCount;
    const first = await page();
    expect(await page()).toBe(first);
    expect(meta(first, 'og:description')).toMatch(new RegExp(`^${await count()} kisses `));
    await upload(s.url, await syntheticJpeg(400, 300, 602));
    const later = await page();
    expect(meta(later, 'og:description')).toMatch(new RegExp(`^${await count()} kisses `));
    expect(later).not.toBe(first);
  });

  it("speaks the rally's registered language, else the reader's Accept-Language, else English", async () => {
    const made = await fetch(`${s.url}/api/admin/rallies`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(MOSCOW),
    });
    expect(made.status).toBe(201);
    const ru = (await (await upload(s.url, await syntheticJpeg(400, 300, 501), { event: 'moscow' })).json())
      .id;
    const plain = (await (await upload(s.url, await syntheticJpeg(400, 300, 502))).json()).id;
    const page = async (id: number, acceptLanguage?: string) =>
      (
        await fetch(
          `${s.url}/t/${id}`,
          acceptLanguage ? { headers: { 'Accept-Language': acceptLanguage } } : {},
        )
      ).text();

    // The Russian rally's tile: Russian, whatever the reader's browser asks.
    for (const asked of [undefined, 'de-DE,de;q=0.9']) {
      const html = await page(ru, asked);
      expect(meta(html, 'og:locale')).toBe('ru_RU');
      expect(meta(html, 'og:title')).toBe(`Поцелуй №${ru} в мозаике #kiss4lgbtqrights`);
      expect(meta(html, 'twitter:title')).toBe(meta(html, 'og:title'));
      expect(meta(html, 'og:description')).toMatch(
        /^[0-9\u00a0 ]+ поцелу(й|я|ев) за права ЛГБТК\+, одна живая картина, акция Москва\.$/,
      );
      expect(meta(html, 'og:image:alt')).toContain('фото в рамке');
      expect(meta(html, 'og:image')).toBe(`https://kiss.example/api/tiles/${ru}/card.png?lang=ru`);
    }
    // A tile without a registered rally: the reader's language, by q and then by base language.
    const de = await page(plain, 'fr;q=0.5, de-AT;q=0.9, en;q=0.1');
    expect(meta(de, 'og:locale')).toBe('de_DE');
    expect(meta(de, 'og:title')).toBe(`Kuss Nr. ${plain} im #kiss4lgbtqrights-Mosaik`);
    expect(meta(de, 'og:description')).toContain('Küsse für LGBTQ+-Rechte');
    expect(meta(de, 'og:image:alt')).toContain('das Foto');
    expect(meta(await page(plain, 'pt'), 'og:locale')).toBe('pt_BR');
    expect(meta(await page(plain, 'ja, zh;q=0.8'), 'og:locale')).toBe('en_US');
    expect(meta(await page(plain), 'og:title')).toBe(`Kiss #${plain} in the #kiss4lgbtqrights mosaic`);

    // The card is drawn in the language its page names; another language is another drawing.
    const card = async (lang: string) => fetch(`${s.url}/api/tiles/${ru}/card.png?lang=${lang}`);
    const [ruCard, enCard] = await Promise.all([card('ru'), card('en')]);
    expect([ruCard.status, enCard.status]).toEqual([200, 200]);
    const [a, b] = await Promise.all([ruCard, enCard].map(async (r) => Buffer.from(await r.arrayBuffer())));
    expect(a!.equals(b!)).toBe(false);
    const bad = await card('xx');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe('BAD_REQUEST');
  }, 60_000);
});
