/**
 * The bulk import: `npm run import` against a real server, through POST /api/admin/import.
 * Nested folders and ZIPs, a report naming each bad file's code, and nothing imported twice
 * whether it is run again or killed (kill -9) halfway and run again, nor when the server is
 * killed mid-import, nor when the ledger lost track of a file's tile (the tile's row says).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { runImport } from '../../scripts/import/runImport.ts';
import { until } from '../support/cluster.ts';
import { syntheticJpeg } from '../support/images.ts';
import { parseReport, runImportCli, startImport, writeTree, zipOf } from '../support/importCli.ts';
import { LONDON } from '../support/rallies.ts';
import { bootServer, removeDir, startServer, tempDataDir, uploadWithKey } from '../support/server.ts';
import { ADMIN, ADMIN_TOKEN, PHOTOS, useServers } from './safetyHelpers.ts';

const { start } = useServers();
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) removeDir(d);
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kiss-import-'));
  dirs.push(d);
  return d;
}

const photos = (n: number, from = 1) =>
  Promise.all(Array.from({ length: n }, (_, i) => syntheticJpeg(480, 360, from + i)));
const tileCount = async (url: string) =>
  ((await (await fetch(`${url}/api/mosaic`)).json()) as { tileCount: number }).tileCount;

describe('bulk import', () => {
  it('imports nested folders and ZIPs, reports each bad file with its code, and skips everything on a second run', async () => {
    const s = await start();
    const [a, b, c, d, e] = await photos(5);
    const dir = tempDir();
    writeTree(dir, {
      'day1/a.jpg': a!,
      'day1/booth/b.JPG': b!,
      'notes.txt': 'not a photo',
      'fake.jpg': '<html>not a photo</html>',
      'broken.jpg': Buffer.concat([a!.subarray(0, 600)]),
      'tiny.png': await (await import('sharp'))
        .default({ create: { width: 80, height: 80, channels: 3, background: '#c33' } })
        .png()
        .toBuffer(),
      'booth.zip': await zipOf({ 'c.jpg': c!, 'inner/d.jpeg': d!, 'readme.md': '# booth' }),
      // An iPhone's gallery: HEIC.
      'iphone/IMG_0001.HEIC': readFileSync(join(import.meta.dirname, '../fixtures/rocket-gps.heic')),
    });
    // The same photo twice under two names: the second is skipped, not imported again.
    writeFileSync(join(dir, 'day1/a-copy.jpg'), a!);
    writeFileSync(join(dir, 'e.webp'), e!); // a JPEG named .webp: judged by its bytes, it goes in
    const report = join(tempDir(), 'report.csv');
    const args = [dir, '--server', s.url, '--token', ADMIN_TOKEN, '--event', 'london', '--report', report];

    const first = await runImportCli(args);
    expect(first.code, first.output).toBe(1); // some were refused
    const rows = parseReport(readFileSync(report, 'utf8'));
    const codes = Object.fromEntries([...rows].map(([f, r]) => [f, r.code || r.status]));
    // The same bytes under two names, sent at once: one goes in, the other is skipped as that tile.
    expect([codes['day1/a.jpg'], codes['day1/a-copy.jpg']].sort()).toEqual(['imported', 'skipped']);
    delete codes['day1/a.jpg'];
    delete codes['day1/a-copy.jpg'];
    expect(codes).toEqual({
      'booth.zip/c.jpg': 'imported',
      'booth.zip/inner/d.jpeg': 'imported',
      'booth.zip/readme.md': 'UNSUPPORTED_FORMAT',
      'broken.jpg': 'CORRUPT_IMAGE',
      'day1/booth/b.JPG': 'imported',
      'e.webp': 'imported',
      'fake.jpg': 'UNSUPPORTED_FORMAT',
      'iphone/IMG_0001.HEIC': 'imported',
      'notes.txt': 'UNSUPPORTED_FORMAT',
      'tiny.png': 'IMAGE_TOO_SMALL',
    });
    expect(rows.get('day1/a-copy.jpg')!.tile).toBe(rows.get('day1/a.jpg')!.tile);
    expect(first.output).toMatch(/Imported: 6\nSkipped \(imported before\): 1\nRefused: 5/);
    expect(first.output).toContain('broken.jpg: CORRUPT_IMAGE:');
    expect(await tileCount(s.url)).toBe(6);
    const tile = await (await fetch(`${s.url}/api/tiles/${rows.get('day1/booth/b.JPG')!.tile}`)).json();
    expect(tile.event).toBe('london');

    const second = await runImportCli(args);
    expect(second.output).toMatch(/Imported: 0\nSkipped \(imported before\): 7\nRefused: 5/);
    expect(await tileCount(s.url)).toBe(6);
  }, 60_000);

  it('imports a ZIP given directly, with a progress line when the output is not a terminal', async () => {
    const s = await start();
    const zip = join(tempDir(), 'booth.zip');
    const [a, b] = await photos(2, 40);
    writeFileSync(
      zip,
      await zipOf({ 'shots/a.jpg': a!, 'shots/b.jpg': b!, '__MACOSX/shots/._a.jpg': 'fork' }),
    );
    const r = await runImportCli([zip, '--server', s.url, '--token', ADMIN_TOKEN]);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/import: 2\/2 \(100 %\), [\d.]+ photos\/s/);
    expect(r.output).toMatch(/Imported: 2\n/);
    expect(await tileCount(s.url)).toBe(2);
  }, 30_000);

  it('imports nothing twice when killed with SIGKILL halfway and run again', async () => {
    const s = await start();
    const dir = tempDir();
    const n = 14;
    const all = await photos(n, 100);
    writeTree(dir, Object.fromEntries(all.map((p, i) => [`p${String(i).padStart(2, '0')}.jpg`, p])));
    const args = [dir, '--server', s.url, '--token', ADMIN_TOKEN, '--concurrency', '3'];
    const cli = startImport(args);
    await until(async () => (await tileCount(s.url)) >= 3, 30_000, 20);
    cli.child.kill('SIGKILL');
    expect(await cli.exited).toBeNull();
    const before = await tileCount(s.url);
    expect(before).toBeLessThan(n);

    // Photos the killed run had in flight may still be landing: the rerun waits for them (409, then skipped).
    const report = join(tempDir(), 'again.csv');
    const again = await runImportCli([...args, '--report', report]);
    expect(again.code, again.output).toBe(0);
    const rows = [...parseReport(readFileSync(report, 'utf8')).values()];
    const imported = rows.filter((r) => r.status === 'imported').length;
    const skipped = rows.filter((r) => r.status === 'skipped').length;
    expect(imported + skipped).toBe(n);
    expect(skipped).toBeGreaterThanOrEqual(before);
    expect(await tileCount(s.url)).toBe(n);
    expect(new Set(rows.map((r) => r.tile)).size).toBe(n);
  }, 60_000);

  it('stops on Ctrl-C once the files under way finish, with the summary and report of what went in', async () => {
    const s = await start();
    const dir = tempDir();
    const n = 30;
    const all = await photos(n, 300);
    writeTree(dir, Object.fromEntries(all.map((p, i) => [`p${String(i).padStart(2, '0')}.jpg`, p])));
    const report = join(tempDir(), 'report.csv');
    const args = [dir, '--server', s.url, '--token', ADMIN_TOKEN, '--concurrency', '2'];
    const cli = startImport([...args, '--report', report]);
    await until(async () => (await tileCount(s.url)) >= 3, 30_000, 10);
    cli.child.kill('SIGINT');
    expect(await cli.exited, cli.output()).toBe(2);
    const out = cli.output();
    expect(out).toContain('Stopping: the files being sent finish first');
    expect(out).toMatch(
      /Stopped early: INTERRUPTED: \d+ of 30 files not done\. Run the same import again to go on/,
    );
    // What the summary and the report say went in is what the mosaic holds: nothing was cut mid-way.
    const rows = [...parseReport(readFileSync(report, 'utf8')).values()];
    const tiles = await tileCount(s.url);
    expect(rows.length).toBeLessThan(n);
    expect(rows.filter((r) => r.status === 'imported')).toHaveLength(tiles);
    expect(out).toContain(`Imported: ${tiles}\n`);

    const again = await runImportCli(args);
    expect(again.code, again.output).toBe(0);
    expect(again.output).toContain(`Imported: ${n - tiles}\nSkipped (imported before): ${tiles}\n`);
    expect(await tileCount(s.url)).toBe(n);
  }, 60_000);

  it('imports each file once when the server is killed (kill -9) mid-import and the import is run again at once', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const n = 24;
    const dir = tempDir();
    const all = await photos(n, 400);
    writeTree(dir, Object.fromEntries(all.map((p, i) => [`p${String(i).padStart(2, '0')}.jpg`, p])));
    const args = (url: string) => [dir, '--server', url, '--token', ADMIN_TOKEN, '--concurrency', '4'];
    let server = await bootServer(dataDir, { ADMIN_TOKEN });
    const cli = startImport(args(server.url));
    await until(async () => (await tileCount(server.url)) >= 4, 30_000, 10);
    // Files in flight die with the server: claimed in the ledger, some stored, none finished.
    server.child.kill('SIGKILL');
    await server.exited;
    cli.child.kill('SIGKILL');
    await cli.exited;

    server = await bootServer(dataDir, { ADMIN_TOKEN });
    try {
      const before = await tileCount(server.url);
      expect(before).toBeLessThan(n);
      const report = join(tempDir(), 'again.csv');
      // At once: the dead server's claims do not hold the files as busy.
      const again = await runImportCli([...args(server.url), '--report', report]);
      expect(again.code, again.output).toBe(0);
      const rows = [...parseReport(readFileSync(report, 'utf8')).values()];
      // Every tile the dead server stored is found as its file's, whatever its ledger kept.
      expect(rows.filter((r) => r.status === 'skipped').length).toBe(before);
      expect(rows.filter((r) => r.status === 'imported').length).toBe(n - before);
      expect(await tileCount(server.url)).toBe(n);
      expect(new Set(rows.map((r) => r.tile)).size).toBe(n);
    } finally {
      server.child.kill('SIGKILL');
      await server.exited;
    }
  }, 90_000);

  it('finds the tile a file became when the ledger lost track of it, and no upload key can find it', async () => {
    const s = await startServer({ ADMIN_TOKEN });
    dirs.push(s.dataDir);
    const dir = tempDir();
    const [a, b, c, d] = await photos(4, 500);
    writeTree(dir, { 'a.jpg': a!, 'b.jpg': b!, 'c.jpg': c! });
    const report = join(tempDir(), 'report.csv');
    const args = (url: string) => [dir, '--server', url, '--token', ADMIN_TOKEN, '--report', report];
    expect((await runImportCli(args(s.url))).code).toBe(0);
    const tiles = [...parseReport(readFileSync(report, 'utf8'))].map(([f, r]) => [f, r.tile]);
    await s.close();
    // The ledger's rows as a crash can leave them: a finish lost (a's row unfinished), or a
    // release after a commit the disk failed to confirm (b's row gone).
    const hashOf = (x: Buffer) => createHash('sha256').update(x).digest('base64url');
    const db = new Database(join(s.dataDir, 'mosaic.db'));
    db.prepare('UPDATE imports SET tile_id = NULL WHERE hash = ?').run(hashOf(a!));
    db.prepare('DELETE FROM imports WHERE hash = ?').run(hashOf(b!));
    db.close();

    const again = await startServer({ ADMIN_TOKEN }, s.dataDir);
    try {
      const r = await runImportCli(args(again.url));
      expect(r.output).toMatch(/Imported: 0\nSkipped \(imported before\): 3\nRefused: 0/);
      expect([...parseReport(readFileSync(report, 'utf8'))].map(([f, x]) => [f, x.tile])).toEqual(tiles);
      expect(await tileCount(again.url)).toBe(3);

      // The file's hash sent as an upload's Idempotency-Key is just another key: it neither
      // finds the imported tile (nor its delete token) nor takes it out.
      const key = hashOf(a!);
      const up = await uploadWithKey(again.url, d!, key);
      expect(up.status).toBe(201);
      const upId = ((await up.json()) as { id: number }).id;
      expect(tiles.map(([, id]) => Number(id))).not.toContain(upId);
      const out = await fetch(`${again.url}/api/tiles/by-key`, {
        method: 'DELETE',
        headers: { 'Idempotency-Key': key },
      });
      expect(out.status).toBe(204);
      expect((await fetch(`${again.url}/api/tiles/${upId}`)).status).toBe(404);
      for (const [, id] of tiles) expect((await fetch(`${again.url}/api/tiles/${id}`)).status).toBe(200);
    } finally {
      await again.close();
    }
  }, 60_000);

  it('lands each of many photos sent at once as its own picture, big ones and small ones mixed', async () => {
    // The server reads whole-body photos into buffers it uses again, and the CLI reads each
    // file into one of its own: a buffer given back too early would show as another photo.
    const s = await start({ DUPLICATE_CHECK: '0' });
    const colours = Array.from({ length: 12 }, (_, i) => [
      (i * 53) % 256,
      (i * 97 + 40) % 256,
      (i * 151 + 90) % 256,
    ]);
    const files: Record<string, Buffer> = {};
    for (const [i, [r, g, b]] of colours.entries()) {
      const [w, h] = i % 3 === 0 ? [2400, 1800] : i % 3 === 1 ? [600, 450] : [1200, 900];
      // Colour plus noise: the JPEG's size follows its pixel count.
      const px = Buffer.alloc(w * h * 3);
      for (let k = 0; k < px.length; k += 3) {
        const n = ((k * 2654435761) >>> 27) - 16;
        px[k] = Math.max(0, Math.min(255, r! + n));
        px[k + 1] = Math.max(0, Math.min(255, g! + n));
        px[k + 2] = Math.max(0, Math.min(255, b! + n));
      }
      files[`p${String(i).padStart(2, '0')}.jpg`] = await sharp(px, {
        raw: { width: w, height: h, channels: 3 },
      })
        .jpeg({ quality: 92 })
        .toBuffer();
    }
    const dir = tempDir();
    writeTree(dir, files);
    const report = join(tempDir(), 'report.csv');
    const run = await runImportCli([
      dir,
      '--server',
      s.url,
      '--token',
      ADMIN_TOKEN,
      '--concurrency',
      '6',
      '--report',
      report,
    ]);
    expect(run.code, run.output).toBe(0);
    const rows = parseReport(readFileSync(report, 'utf8'));
    for (const [i, want] of colours.entries()) {
      const row = rows.get(`p${String(i).padStart(2, '0')}.jpg`)!;
      expect(row.status).toBe('imported');
      const tile = Buffer.from(await (await fetch(`${s.url}/tiles/${row.tile}/32.webp`)).arrayBuffer());
      const { channels } = await sharp(tile).stats();
      const got = channels.slice(0, 3).map((c) => c.mean);
      for (let c = 0; c < 3; c++) expect(Math.abs(got[c]! - want[c]!), `p${i} channel ${c}`).toBeLessThan(12);
    }
  }, 60_000);

  it("stops at the first file when the rally is not in the registry (EVENTS=listed), and once it is, holds its photos as the rally's moderation says", async () => {
    const s = await start({ EVENTS: 'listed' });
    const n = 12;
    const dir = tempDir();
    writeTree(dir, Object.fromEntries((await photos(n, 600)).map((p, i) => [`p${i}.jpg`, p])));
    const target = { server: s.url, token: ADMIN_TOKEN, event: 'paris', hideFaces: false };
    const first = await runImport(dir, target, { concurrency: 2 });
    expect(first.stopped).toMatch(/^UNKNOWN_EVENT: There is no rally "paris"/);
    // The two files under way met the refusal and are not counted; the rest were never sent.
    expect(first.tally).toMatchObject({ imported: 0, skipped: 0, refused: 0 });
    expect(first.rows).toEqual([]);
    expect(await tileCount(s.url)).toBe(0);

    const made = await fetch(`${s.url}/api/admin/rallies`, {
      method: 'POST',
      headers: { ...ADMIN, 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...LONDON, code: 'paris', city: 'Paris', moderation: 'pre' }),
    });
    expect(made.status).toBe(201);
    // Paris reviews its photos before they show, imported ones too.
    const again = await runImport(dir, target, { concurrency: 2 });
    expect(again.stopped).toBeNull();
    expect(again.tally).toMatchObject({ imported: 0, pending: n, refused: 0 });
    expect(await tileCount(s.url)).toBe(0);
    expect((await s.app.service.pending(0)).length).toBe(n);
  });

  it('answers a file sent again with skipped, and refuses without the admin token', async () => {
    const s = await start();
    const [p] = await photos(1, 200);
    const send = (headers: Record<string, string>, query = '') => {
      const form = new FormData();
      form.set('photo', new Blob([new Uint8Array(p!)]), 'p.jpg');
      return fetch(`${s.url}/api/admin/import${query}`, { method: 'POST', body: form, headers });
    };
    const startedAt = Date.now();
    const first = await send(ADMIN);
    expect(first.status).toBe(201);
    const a = (await first.json()) as { status: string; id: number };
    expect(a.status).toBe('imported');
    const again = await send(ADMIN);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ status: 'skipped', id: a.id });
    // Sent again after a lost answer: the skip says how old the tile is, for the sender to tell
    // its own lost try from an import before it.
    const resent = await send(ADMIN, '?resent=1');
    expect(resent.status).toBe(200);
    const r = (await resent.json()) as { status: string; id: number; ageMs: number };
    expect(r).toEqual({ status: 'skipped', id: a.id, ageMs: expect.any(Number) });
    expect(r.ageMs).toBeGreaterThanOrEqual(0);
    expect(r.ageMs).toBeLessThan(Date.now() - startedAt);
    const denied = await send({});
    expect(denied.status).toBe(401);
    expect(((await denied.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
  });

  it('refuses the same picture from another file as DUPLICATE_PHOTO, in words for the organiser', async () => {
    // The test servers leave the check off unless asked (test/support/server.ts).
    const s = await start({ DUPLICATE_CHECK: '1' });
    const [p] = await photos(1, 230);
    // The same picture, smaller and encoded anew: other bytes, so not skipped by its hash.
    const copy = await sharp(p!).resize(400).jpeg({ quality: 80 }).toBuffer();
    const send = (bytes: Buffer) =>
      fetch(`${s.url}/api/admin/import`, {
        method: 'POST',
        body: new Uint8Array(bytes) as Uint8Array<ArrayBuffer>,
        headers: { ...ADMIN, 'content-type': 'image/jpeg' },
      });
    expect((await send(p!)).status).toBe(201);
    const dup = await send(copy);
    expect(dup.status).toBe(409);
    expect(await dup.json()).toEqual({
      error: {
        code: 'DUPLICATE_PHOTO',
        message:
          'The same picture is already in the mosaic (or waiting for review), from another file: a copy in another size or format, or the same photo sent by its couple.',
      },
    });
  });

  it('says of a file sent again after a lost answer that its tile waits for review, under pre-moderation', async () => {
    const s = await start({ MODERATION: 'pre' });
    const [p] = await photos(1, 210);
    const send = (query: string) =>
      fetch(`${s.url}/api/admin/import${query}`, {
        method: 'POST',
        body: new Uint8Array(p!) as Uint8Array<ArrayBuffer>,
        headers: { ...ADMIN, 'content-type': 'application/octet-stream' },
      });
    const first = await send('');
    expect(first.status).toBe(202);
    const { id } = (await first.json()) as { id: number };
    expect(await (await send('?resent=1')).json()).toEqual({
      status: 'skipped',
      id,
      ageMs: expect.any(Number),
      pending: true,
    });
  });

  it('takes the photo as the whole body, with the rally in the query, and refuses a bad one clearly', async () => {
    const s = await start();
    const [p] = await photos(1, 300);
    const send = (query: string, body: Uint8Array, type = 'application/octet-stream', extra = {}) =>
      fetch(`${s.url}/api/admin/import${query}`, {
        method: 'POST',
        body: body as Uint8Array<ArrayBuffer>,
        headers: { ...ADMIN, 'content-type': type, ...extra },
      });
    const ok = await send('?event=rome', new Uint8Array(p!), 'image/jpeg');
    expect(ok.status).toBe(201);
    const { id } = (await ok.json()) as { id: number };
    const tile = (await (await fetch(`${s.url}/api/tiles/${id}`)).json()) as { event: string | null };
    expect(tile.event).toBe('rome');
    // The same bytes again, as a form this time: one ledger for both.
    const form = new FormData();
    form.set('photo', new Blob([new Uint8Array(p!)]), 'p.jpg');
    const again = await fetch(`${s.url}/api/admin/import`, { method: 'POST', body: form, headers: ADMIN });
    expect(await again.json()).toEqual({ status: 'skipped', id });

    const code = async (r: Response) => [
      r.status,
      ((await r.json()) as { error: { code: string } }).error.code,
    ];
    expect(await code(await send('?event=Rome!', new Uint8Array(p!)))).toEqual([400, 'BAD_EVENT']);
    expect(await code(await send('', new Uint8Array(0)))).toEqual([400, 'NO_PHOTO']);
    expect(await code(await send('', Buffer.from('not a photo at all')))).toEqual([
      415,
      'UNSUPPORTED_FORMAT',
    ]);
    const big = Buffer.alloc(21 * 1024 * 1024);
    expect(await code(await send('', big))).toEqual([413, 'FILE_TOO_LARGE']);
    expect(await tileCount(s.url)).toBe(1);
  });

  it('passes --hide-faces on: the imported tile is a coarse pixelation', async () => {
    const s = await start();
    const dir = tempDir();
    writeTree(dir, { 'astronaut.jpg': PHOTOS[2]! });
    const report = join(tempDir(), 'r.csv');
    const r = await runImportCli([
      dir,
      '--server',
      s.url,
      '--token',
      ADMIN_TOKEN,
      '--hide-faces',
      '--report',
      report,
    ]);
    expect(r.code, r.output).toBe(0);
    const id = parseReport(readFileSync(report, 'utf8')).get('astronaut.jpg')!.tile;
    const res = await fetch(`${s.url}/tiles/${id}/512.webp`);
    const tile = await sharp(Buffer.from(await res.arrayBuffer()))
      .raw()
      .toBuffer();
    // Inside one 512/12 px block the picture is flat: no facial detail survives.
    let maxDiff = 0;
    for (let y = 5; y < 35; y++)
      for (let x = 5; x < 35; x++)
        maxDiff = Math.max(maxDiff, Math.abs(tile[(y * 512 + x) * 3]! - tile[(5 * 512 + 5) * 3]!));
    expect(maxDiff).toBeLessThan(12);
  }, 30_000);
});
