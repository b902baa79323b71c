import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildClient } from '../../scripts/buildClient.ts';
import { CLIENT_DIR } from '../../server/http/clientRoutes.ts';
import { syntheticJpeg } from '../support/images.ts';
import { startServer, type TestServer, upload } from '../support/server.ts';

/** The content of a meta tag, or null. */
function meta(html: string, key: string): string | null {
  const m = new RegExp(`<meta (?:property|name)="${key}" content="([^"]*)"`).exec(html);
  return m ? m[1]! : null;
}

describe('link previews of /t/<id>', () => {
  let s: TestServer;
  beforeAll(async () => {
    if (!existsSync(join(CLIENT_DIR, 'index.html'))) await buildClient({ logLevel: 'warn' });
    s = await startServer({ MOSAIC_COLS: '12', MOSAIC_ROWS: '10', PUBLIC_URL: 'https://kiss.example' });
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
    expect(meta(page, 'og:image')).toBe(`https://kiss.example/api/tiles/${rally.id}/card.png`);
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
});
