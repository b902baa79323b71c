import { format } from 'node:util';
import { io as connect } from 'socket.io-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { PROTOCOL_VERSION } from '../../shared/protocol.ts';
import { wireParser } from '../../shared/wire.ts';
import { syntheticJpeg } from '../support/images.ts';
import { upload } from '../support/server.ts';
import { json, serverCell, useServers } from './safetyHelpers.ts';

const { start, viewer } = useServers();

/** Everything the process writes to its console or standard streams while a test runs. */
const logged: string[] = [];
const restore: (() => void)[] = [];
beforeEach(() => {
  logged.length = 0;
  for (const name of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const orig = console[name];
    console[name] = (...a: unknown[]) => {
      logged.push(format(...a));
    };
    restore.push(() => {
      console[name] = orig;
    });
  }
  for (const stream of [process.stdout, process.stderr]) {
    const orig = stream.write;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      logged.push(String(chunk));
      return (orig as (...a: unknown[]) => boolean).call(stream, chunk, ...rest);
    }) as typeof stream.write;
    restore.push(() => {
      stream.write = orig;
    });
  }
});
afterEach(() => {
  for (const r of restore.splice(0)) r();
});

/** No address of this test's clients anywhere in what was logged. */
function expectNoAddressLogged(): void {
  const text = logged.join('\n');
  expect(text).not.toMatch(/127\.0\.0\.1|::ffff:|203\.0\.113\.|198\.51\.100\.|2001:db8/);
}

const wsUrl = (url: string) => `${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`;

/** Opens a raw Engine.IO WebSocket; resolves 'open' or 'refused'. */
function rawSocket(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ ws: WebSocket; state: 'open' | 'refused' }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(wsUrl(url), { headers });
    ws.once('open', () => resolve({ ws, state: 'open' }));
    ws.once('unexpected-response', () => resolve({ ws, state: 'refused' }));
    ws.once('error', () => resolve({ ws, state: 'refused' }));
  });
}

/**
 * Sends `frames` on a fresh raw connection and waits until the server closes it (or 1 s).
 * With `hello`, it first joins the main namespace with a valid handshake and waits for the
 * server's CONNECT, so that the frames reach the live layer's own handlers.
 */
async function abuse(url: string, frames: (string | Buffer)[], hello?: string): Promise<number | null> {
  const { ws, state } = await rawSocket(url);
  if (state !== 'open') return null;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      ws.terminate();
      resolve(null);
    }, 1000);
    ws.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    const send = () => {
      for (const f of frames) if (ws.readyState === WebSocket.OPEN) ws.send(f);
    };
    if (!hello) return send();
    ws.send(hello);
    ws.on('message', (m) => {
      if (String(m).startsWith('40{')) send();
    });
  });
}

function tryConnect(
  url: string,
  extraHeaders: Record<string, string> = {},
): Promise<'connected' | 'refused'> {
  const socket = connect(url, {
    parser: wireParser,
    auth: { v: PROTOCOL_VERSION },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders,
  });
  return new Promise((resolve) => {
    socket.once('connect', () => {
      resolve('connected');
      setTimeout(() => socket.disconnect(), 0);
    });
    socket.once('connect_error', () => {
      socket.disconnect();
      resolve('refused');
    });
  });
}

describe('live connections per address', () => {
  it('refuses the connection over SOCKETS_PER_IP, counts raw Engine.IO sockets, and frees a slot on close', async () => {
    const s = await start({ SOCKETS_PER_IP: '3', TRUST_PROXY_HOPS: '1' });
    const a = await viewer(s.url);
    await viewer(s.url);
    const raw = await rawSocket(s.url);
    expect(raw.state).toBe('open');
    expect(await tryConnect(s.url)).toBe('refused');
    expect((await rawSocket(s.url)).state).toBe('refused');
    // Another client, through the trusted proxy, has its own count.
    const viaProxy = connect(s.url, {
      parser: wireParser,
      auth: { v: PROTOCOL_VERSION },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      extraHeaders: { 'x-forwarded-for': '203.0.113.77' },
    });
    await new Promise<void>((resolve, reject) => {
      viaProxy.once('connect', () => resolve());
      viaProxy.once('connect_error', reject);
    });
    viaProxy.disconnect();

    raw.ws.terminate();
    a.close();
    await vi.waitFor(async () => expect(await tryConnect(s.url)).toBe('connected'), {
      timeout: 5000,
      interval: 50,
    });
    expectNoAddressLogged();
  });
});

describe('a flood of malformed packets and oversized frames', () => {
  it('leaves the server up and other viewers unaffected', async () => {
    const s = await start({ SOCKETS_PER_IP: '20' });
    const watcher = await viewer(s.url);
    const junk = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37) % 256));
    const big = Buffer.alloc(1 << 20, 0x61);
    const hello = `40${JSON.stringify({ v: PROTOCOL_VERSION })}`;
    // Frames sent after a valid handshake, into the live layer's request handlers.
    const requests: (string | Buffer)[][] = [
      [
        '42["mosaic:resync","nope"]',
        '420["mosaic:resync",-1]',
        '421["event:join",{"a":1}]',
        '422["event:leave"]',
      ],
      Array.from({ length: 200 }, (_, i) => `42${i}["mosaic:resync",${i}]`),
      ['42["__proto__",{}]', '42["constructor"]', '423["event:join","x".repeat]', '44{}', '45-[]', junk],
      [`42["event:join","${'a'.repeat(3000)}"]`, '43', '4'],
      [big],
    ];
    // Frames a broken or hostile client sends straight away.
    const raw: (string | Buffer)[][] = [
      ['x', '4', '9', '', '6', '5', '1'],
      ['40{"v":', '41', '42[', '42["tiles:changed"', '42[1,2,3]', '4{{{{'],
      ['40', '451-["mosaic:resync",{"_placeholder":true,"num":99}]', junk, junk],
      [`42${JSON.stringify(['x', 'y'.repeat(8000)])}`],
      [big],
      ['40', big.toString('latin1')],
    ];
    const closes: (number | null)[] = [];
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all([
        ...requests.map((f) => abuse(s.url, f, hello)),
        ...raw.map((f) => abuse(s.url, f)),
      ]);
      closes.push(...results);
      // Socket.IO answers bad packets by closing; it must not take the process down on the way.
      expect((await fetch(`${s.url}/api/mosaic`)).status).toBe(200);
    }
    // Oversized frames are cut by the WebSocket layer (1009: message too big).
    expect(closes.filter((c) => c === 1009).length).toBeGreaterThanOrEqual(3);

    // A burst of idle raw connections hits the per-address limit, not the server.
    const burst = await Promise.all(Array.from({ length: 30 }, () => rawSocket(s.url)));
    expect(burst.filter((b) => b.state === 'refused').length).toBeGreaterThan(0);
    for (const b of burst) b.ws.terminate();

    // An oversized long-polling POST is refused too.
    // (once the burst's connections are closed on the server's side too)
    const sid = await vi.waitFor(
      async () => {
        const hs = await fetch(`${s.url}/socket.io/?EIO=4&transport=polling`);
        expect(hs.status).toBe(200);
        return /"sid":"([^"]+)"/.exec(await hs.text())?.[1];
      },
      { timeout: 5000, interval: 50 },
    );
    expect(sid).toBeTruthy();
    const post = await fetch(`${s.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, {
      method: 'POST',
      body: big,
    });
    expect(post.status).toBeGreaterThanOrEqual(400);

    // The viewer that watched all this is still connected and still gets the mosaic.
    expect(watcher.socket.connected).toBe(true);
    const tile = await json(await upload(s.url, await syntheticJpeg(640, 480, 61)));
    await watcher.reach(tile.seq as number);
    expect(watcher.mosaic.cellOfTile(tile.id as number)).toBe(serverCell(s, tile.id as number));
    expect(watcher.problems).toEqual([]);
    await vi.waitFor(async () => expect(await tryConnect(s.url)).toBe('connected'), {
      timeout: 5000,
      interval: 50,
    });
    expectNoAddressLogged();
  });
});

describe('logs', () => {
  it('hold no client address through rate limits, bad requests, flags and admin failures', async () => {
    const s = await start({ UPLOAD_RATE_LIMIT: '1', TRUST_PROXY_HOPS: '1', FLAG_THRESHOLD: '1' });
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    const photo = await syntheticJpeg(400, 300, 62);
    const form = () => {
      const f = new FormData();
      f.set('photo', new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }), 'p.jpg');
      return f;
    };
    const ok = await json(
      await fetch(`${s.url}/api/tiles`, { method: 'POST', body: form(), headers: from('203.0.113.1') }),
    );
    const limited = await fetch(`${s.url}/api/tiles`, {
      method: 'POST',
      body: form(),
      headers: from('203.0.113.1'),
    });
    expect(limited.status).toBe(429);
    await fetch(`${s.url}/api/tiles`, { method: 'POST', body: 'garbage', headers: from('198.51.100.2') });
    await fetch(`${s.url}/api/admin/queue`, {
      headers: { ...from('2001:db8::1'), authorization: 'Bearer wrong' },
    });
    await fetch(`${s.url}/api/tiles/${ok.id}/flag`, {
      method: 'POST',
      headers: { ...from('2001:db8::2'), 'content-type': 'application/json' },
      body: '{',
    });
    const flagged = await fetch(`${s.url}/api/tiles/${ok.id}/flag`, {
      method: 'POST',
      headers: { ...from('2001:db8::3'), 'content-type': 'application/json' },
      body: '{}',
    });
    expect(flagged.status).toBe(204);
    expect(s.app.service.get(ok.id as number)?.status).toBe('pending');
    expectNoAddressLogged();
  });
});
