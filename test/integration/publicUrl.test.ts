/**
 * The address handed to phones: `PUBLIC_URL` (its trailing slash dropped) in the mosaic's
 * description, which the event screen's QR code and the console's warning read, and in what
 * leaves the page (the IIIF id, the link previews); null without it, where the pages share their
 * own address.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { MosaicInfo } from '../../shared/httpApi.ts';
import { startServer, type TestServer } from '../support/server.ts';

const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.destroy();
});

async function start(env: Record<string, string> = {}): Promise<TestServer> {
  const s = await startServer(env);
  servers.push(s);
  return s;
}

describe('the public address', () => {
  it('is PUBLIC_URL without its trailing slash, in the description and in what leaves the page', async () => {
    const s = await start({ PUBLIC_URL: 'https://kiss.example/' });
    const info = (await (await fetch(`${s.url}/api/mosaic`)).json()) as MosaicInfo;
    expect(info.publicUrl).toBe('https://kiss.example');
    const iiif = (await (await fetch(`${s.url}/iiif/mosaic/info.json`)).json()) as { id: string };
    expect(iiif.id).toBe('https://kiss.example/iiif/mosaic');
  });

  it("is null without PUBLIC_URL: the pages share their own address, and what leaves them names the request's", async () => {
    const s = await start();
    const info = (await (await fetch(`${s.url}/api/mosaic`)).json()) as MosaicInfo;
    expect(info.publicUrl).toBeNull();
    const iiif = (await (await fetch(`${s.url}/iiif/mosaic/info.json`)).json()) as { id: string };
    expect(iiif.id).toBe(`${s.url}/iiif/mosaic`);
  });

  it('refuses a PUBLIC_URL that is not an address, at start', async () => {
    await expect(start({ PUBLIC_URL: 'kiss example' })).rejects.toThrow(/PUBLIC_URL/);
  });
});
