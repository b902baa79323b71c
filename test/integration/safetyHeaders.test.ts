import { describe, expect, it } from 'vitest';
import { syntheticJpeg } from '../support/images.ts';
import { upload } from '../support/server.ts';
import { json, useServers } from './safetyHelpers.ts';

const { start } = useServers();

/** The CSP as directive -> sources. */
function csp(header: string | null): Map<string, string[]> {
  return new Map(
    (header ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

describe('security headers', () => {
  it('send a CSP that lets Socket.IO and PixiJS work and nothing inline run, on pages and API alike', async () => {
    const s = await start();
    for (const path of ['/', '/api/mosaic', '/api/nothing-here']) {
      const res = await fetch(`${s.url}${path}`);
      const p = csp(res.headers.get('content-security-policy'));
      expect(p.get('default-src')).toEqual(["'self'"]);
      expect(p.get('connect-src')).toEqual(expect.arrayContaining(["'self'", 'ws:', 'wss:']));
      expect(p.get('img-src')).toEqual(expect.arrayContaining(["'self'", 'blob:', 'data:']));
      expect(p.get('worker-src')).toEqual(expect.arrayContaining(["'self'", 'blob:']));
      // Nothing inline, no eval: only this origin's script files.
      expect(p.get('script-src')).toEqual(["'self'"]);
      expect(p.get('object-src')).toEqual(["'none'"]);
      expect(p.has('upgrade-insecure-requests')).toBe(false);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('permissions-policy')).toMatch(/geolocation=\(\)/);
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
    const https = await start({ PUBLIC_URL: 'https://kiss.example.org' });
    expect(
      csp((await fetch(`${https.url}/api/mosaic`)).headers.get('content-security-policy')).has(
        'upgrade-insecure-requests',
      ),
    ).toBe(true);
  });

  it('serve tile images as WebP with nosniff', async () => {
    const s = await start();
    const tile = await json(await upload(s.url, await syntheticJpeg(640, 480, 71)));
    for (const path of [`/tiles/${tile.id}/128.webp`, '/api/atlas/0/0.webp']) {
      const res = await fetch(`${s.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/webp');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });
});
