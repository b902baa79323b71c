/**
 * How the import CLI's sender talks to a server: the file's exact bytes as the body, with
 * its length and the admin token, and another try after a dropped connection or a passing
 * refusal. The server here is a plain node:http one that misbehaves on purpose, once.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runImport } from '../../scripts/import/runImport.ts';
import { FatalImportError, LINK_LIMITS, ServerLink, sendPhoto } from '../../scripts/import/sendPhoto.ts';
import { syntheticJpeg } from '../support/images.ts';
import { writeTree } from '../support/importCli.ts';
import { removeDir, tempDataDir } from '../support/server.ts';

interface Seen {
  url: string;
  auth: string | undefined;
  type: string | undefined;
  length: string | undefined;
  body: Buffer;
}

let server: Server | null = null;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
  server = null;
});

/** A server that hands each request, with its body read, to `answer`; its base URL. */
async function serve(answer: (n: number, seen: Seen, res: import('node:http').ServerResponse) => void) {
  const seen: Seen[] = [];
  server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const s = {
      url: req.url ?? '',
      auth: req.headers.authorization,
      type: req.headers['content-type'],
      length: req.headers['content-length'],
      body: Buffer.concat(chunks),
    };
    seen.push(s);
    answer(seen.length, s, res);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, seen };
}

const json = (res: import('node:http').ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 31) % 256));

describe('the import sender', () => {
  it('sends the exact bytes with their length and the token, and tries again after a dropped connection', async () => {
    const { url, seen } = await serve((n, _s, res) => {
      if (n === 1) res.socket?.destroy();
      else json(res, 201, { status: 'imported', id: 7, col: 1, row: 2, seq: 3 });
    });
    const out = await sendPhoto({ server: url, token: 'tok-123', event: 'london', hideFaces: true }, bytes);
    expect(out).toEqual({ status: 'imported', id: 7 });
    expect(seen).toHaveLength(2);
    // The try after the dropped connection says so, for the server to tell how old a skipped tile is.
    expect(seen.map((s) => s.url)).toEqual([
      '/api/admin/import?event=london&hideFaces=1',
      '/api/admin/import?event=london&hideFaces=1&resent=1',
    ]);
    for (const s of seen) {
      expect(s.auth).toBe('Bearer tok-123');
      expect(s.type).toBe('application/octet-stream');
      expect(s.length).toBe(String(bytes.length));
      expect(s.body.equals(bytes)).toBe(true);
    }
  });

  it('tries again on a passing refusal, returns a final one as an outcome, and stops on a fatal one', async () => {
    const answers = [
      [503, { error: { code: 'STORE_UNAVAILABLE', message: 'The database is down.' } }],
      [422, { error: { code: 'CORRUPT_IMAGE', message: 'This image is damaged.' } }],
      [401, { error: { code: 'UNAUTHORIZED', message: 'Wrong token.' } }],
    ] as const;
    const { url, seen } = await serve((n, _s, res) => {
      const [status, body] = answers[Math.min(n, 3) - 1]!;
      json(res, status, body);
    });
    const t = { server: url, token: 't', event: null, hideFaces: false };
    expect(await sendPhoto(t, bytes)).toEqual({
      status: 'refused',
      code: 'CORRUPT_IMAGE',
      message: 'This image is damaged.',
    });
    // After a server failure the next try says it is sent again (that failed try may have stored it).
    expect(seen.map((s) => s.url)).toEqual(['/api/admin/import', '/api/admin/import?resent=1']);
    const fatal = await sendPhoto(t, bytes).catch((e: unknown) => e);
    expect(fatal).toBeInstanceOf(FatalImportError);
    expect((fatal as FatalImportError).code).toBe('UNAUTHORIZED');
  });

  it('counts a file stored by a try the server then failed (no placer) as imported when the retry finds it', async () => {
    const { url, seen } = await serve((n, s, res) => {
      if (n === 1)
        return json(res, 503, { error: { code: 'PLACER_UNAVAILABLE', message: 'No placer answers yet.' } });
      // The tile the first try stored, 40 ms old when asked with resent=1; an older one otherwise.
      json(res, 200, { status: 'skipped', id: 5, ...(s.url.includes('resent=1') ? { ageMs: 40 } : {}) });
    });
    const t = { server: url, token: 't', event: null, hideFaces: false };
    expect(await sendPhoto(t, bytes)).toEqual({ status: 'imported', id: 5 });
    expect(seen.map((s) => s.url)).toEqual(['/api/admin/import', '/api/admin/import?resent=1']);
    // A file answered skipped at once was imported before.
    expect(await sendPhoto(t, bytes)).toEqual({ status: 'skipped', id: 5 });
  });

  it('waits through a proxy saying the server behind it does not answer, without counting those as tries', async () => {
    // More gateway answers than a file has tries: the server restarting behind nginx, say.
    const { url, seen } = await serve((n, _s, res) => {
      if (n <= 10)
        res.writeHead(n % 2 ? 502 : 504, { 'content-type': 'text/html' }).end('<html>Bad Gateway</html>');
      else json(res, 201, { status: 'imported', id: 9, col: 0, row: 0, seq: 1 });
    });
    const said: (string | null)[] = [];
    const link = new ServerLink({ ...LINK_LIMITS, maxPauseMs: 20 }, (down) => said.push(down?.error ?? null));
    const out = await sendPhoto({ server: url, token: 't', event: null, hideFaces: false }, bytes, link);
    expect(out).toEqual({ status: 'imported', id: 9 });
    expect(seen).toHaveLength(11);
    expect(said).toEqual(['HTTP 502 Bad Gateway', null]);
  });

  it('stops the import once a server that answered has been out of reach longer than allowed', async () => {
    const { url } = await serve((_n, _s, res) =>
      json(res, 201, { status: 'imported', id: 4, col: 0, row: 0, seq: 1 }),
    );
    const link = new ServerLink({ ...LINK_LIMITS, outageMs: 1_000, maxPauseMs: 50 });
    const t = { server: url, token: 't', event: null, hideFaces: false };
    expect(await sendPhoto(t, bytes, link)).toEqual({ status: 'imported', id: 4 });
    // The server goes away for good.
    server!.closeAllConnections();
    await new Promise((r) => server!.close(r));
    server = null;
    const started = Date.now();
    const stop = await sendPhoto(t, bytes, link).catch((e: unknown) => e);
    expect(stop).toBeInstanceOf(FatalImportError);
    expect((stop as FatalImportError).code).toBe('SERVER_UNREACHABLE');
    expect((stop as FatalImportError).message).toMatch(
      /^The server has not answered for 1 s \(connect ECONNREFUSED .*\)\. Run the same import again once it is back/,
    );
    // It kept trying until then, not less.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  });

  it("names the HTTP status when the answer is not the server's JSON", async () => {
    const { url } = await serve((_n, _s, res) => res.writeHead(404, 'Not Found').end('<html>no</html>'));
    const out = await sendPhoto({ server: url, token: 't', event: null, hideFaces: false }, bytes);
    expect(out).toEqual({ status: 'refused', code: 'HTTP_404', message: 'Not Found' });
  });

  it("ends the other files' waits at once when one file stops the import", async () => {
    const photos = await Promise.all([1, 2, 3, 4].map((i) => syntheticJpeg(64, 48, 900 + i)));
    const dir = tempDataDir();
    let stopSent = false;
    const after: string[] = [];
    // The first photo is refused for good (a token revoked mid-run) after 2.5 s; the others meet
    // a passing refusal every time, so they are then halfway through a pause between tries.
    const { url, seen } = await serve((_n, s, res) => {
      if (stopSent) after.push(s.url);
      if (s.body.equals(photos[0]!))
        setTimeout(() => {
          stopSent = true;
          json(res, 401, { error: { code: 'UNAUTHORIZED', message: 'Wrong token.' } });
        }, 2_500);
      else json(res, 409, { error: { code: 'IMPORT_IN_PROGRESS', message: 'Being imported.' } });
    });
    try {
      writeTree(dir, Object.fromEntries(photos.map((p, i) => [`p${i}.jpg`, p])));
      const quiet = () => ({ update() {}, waiting() {}, stop() {} });
      const run = await runImport(
        dir,
        { server: url, token: 't', event: null, hideFaces: false },
        { concurrency: 4, progress: quiet },
      );
      expect(run.stopped).toBe('UNAUTHORIZED: Wrong token.');
      // The three others were waiting to be sent again: none is sent after the stop, none is
      // counted (the next run sends them), and the run ends now, not after their remaining
      // tries (about 35 s of pauses).
      expect(after).toEqual([]);
      expect(run.rows).toEqual([]);
      expect(run.tally).toEqual({ imported: 0, pending: 0, skipped: 0, refused: 0 });
      expect(seen.length).toBeGreaterThanOrEqual(4);
    } finally {
      removeDir(dir);
    }
  }, 60_000);
});
