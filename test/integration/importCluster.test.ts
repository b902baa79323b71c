/**
 * The bulk import on a cluster: sent to a follower node, placed by the placer, and kept once
 * per file in PostgreSQL's ledger, so that a second run, to another node, skips every file; and
 * each tile's row keeps a hash of its file too, so a run after the ledger lost its rows skips them.
 * What a node that died was importing is taken over at once by the next run.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { health, type NodeProcess, startTestCluster, type TestCluster, until } from '../support/cluster.ts';
import { syntheticJpeg } from '../support/images.ts';
import { parseReport, runImportCli, startImport, writeTree } from '../support/importCli.ts';
import { removeDir } from '../support/server.ts';
import { ADMIN, ADMIN_TOKEN } from './safetyHelpers.ts';

/** The placer and the follower of a two-node cluster, once one of them is elected. */
async function roles(nodes: NodeProcess[]): Promise<{ placer: NodeProcess; follower: NodeProcess }> {
  const hs = await until(async () => {
    const all = await Promise.all(nodes.map((n) => health(n.url)));
    return all.filter((h) => h.role === 'placer').length === 1 ? all : undefined;
  }, 15_000);
  return {
    placer: nodes[hs.findIndex((h) => h.role === 'placer')]!,
    follower: nodes[hs.findIndex((h) => h.role === 'follower')]!,
  };
}

describe('bulk import in cluster mode', () => {
  let cluster: TestCluster | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'kiss-import-cluster-'));
  afterAll(async () => {
    await cluster?.close();
    removeDir(dir);
  });

  it('imports through a follower and skips every file when run again through the placer', async () => {
    cluster = await startTestCluster(['a', 'b'], { ADMIN_TOKEN });
    const { nodes, sql } = cluster;
    const { placer, follower } = await roles(nodes);
    const photosDir = join(dir, 'photos');
    const photos = await Promise.all([1, 2, 3].map((i) => syntheticJpeg(480, 360, 300 + i)));
    writeTree(photosDir, {
      'a.jpg': photos[0]!,
      'sub/b.jpg': photos[1]!,
      'sub/c.png.txt': 'x',
      'c.jpg': photos[2]!,
    });
    const report = join(dir, 'report.csv');
    const args = ['--token', ADMIN_TOKEN, '--event', 'paris', '--report', report];

    const first = await runImportCli([photosDir, '--server', follower.url, ...args]);
    expect(first.output).toMatch(/Imported: 3\nSkipped \(imported before\): 0\nRefused: 1/);
    const rows = parseReport(readFileSync(report, 'utf8'));
    expect(rows.get('sub/c.png.txt')!.code).toBe('UNSUPPORTED_FORMAT');
    const ids = ['a.jpg', 'sub/b.jpg', 'c.jpg'].map((f) => Number(rows.get(f)!.tile));
    const ledger = await sql.query('SELECT tile_id FROM import_hashes ORDER BY tile_id');
    expect(ledger.rows.map((r) => Number(r.tile_id))).toEqual([...ids].sort((x, y) => x - y));
    const tiles = await sql.query(`SELECT count(*)::int AS n FROM tiles WHERE event = 'paris'`);
    expect(tiles.rows[0].n).toBe(3);

    const second = await runImportCli([photosDir, '--server', placer.url, ...args]);
    expect(second.output).toMatch(/Imported: 0\nSkipped \(imported before\): 3\nRefused: 1/);
    const again = parseReport(readFileSync(report, 'utf8'));
    expect(['a.jpg', 'sub/b.jpg', 'c.jpg'].map((f) => Number(again.get(f)!.tile))).toEqual(ids);
    expect((await sql.query('SELECT count(*)::int AS n FROM tiles')).rows[0].n).toBe(3);

    // With the ledger's rows lost, each tile's own row still says which file it came from.
    await sql.query('DELETE FROM import_hashes');
    const third = await runImportCli([photosDir, '--server', follower.url, ...args]);
    expect(third.output).toMatch(/Imported: 0\nSkipped \(imported before\): 3\nRefused: 1/);
    const found = parseReport(readFileSync(report, 'utf8'));
    expect(['a.jpg', 'sub/b.jpg', 'c.jpg'].map((f) => Number(found.get(f)!.tile))).toEqual(ids);
    expect((await sql.query('SELECT count(*)::int AS n FROM tiles')).rows[0].n).toBe(3);
  }, 90_000);

  it('counts a photo stored while no placer answers as imported: the retry is skipped, and it is placed once', async () => {
    await cluster?.close();
    cluster = await startTestCluster(['c', 'd'], { ADMIN_TOKEN, PLACER_WAIT_MS: '300' });
    const { nodes, sql } = cluster;
    const { placer, follower } = await roles(nodes);
    const photo = await syntheticJpeg(480, 360, 350);
    const send = (query = '') => {
      const form = new FormData();
      form.set('photo', new Blob([new Uint8Array(photo)]), 'p.jpg');
      return fetch(`${follower.url}/api/admin/import${query}`, {
        method: 'POST',
        body: form,
        headers: ADMIN,
      });
    };
    placer.child.kill('SIGSTOP');
    try {
      const first = await send();
      expect(first.status).toBe(503);
      expect(((await first.json()) as { error: { code: string } }).error.code).toBe('PLACER_UNAVAILABLE');
      const ledger = await sql.query('SELECT tile_id FROM import_hashes');
      expect(ledger.rows).toHaveLength(1);
      const id = Number(ledger.rows[0].tile_id);
      expect(id).toBeGreaterThan(0);
      const again = await send();
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual({ status: 'skipped', id });
      // Sent again after that 503 (the command and the browser do so), the skip says how old the
      // stored tile is, still queued for a placer, so the sender counts the file as its own import.
      const resent = (await (await send('?resent=1')).json()) as { ageMs: number };
      expect(resent).toEqual({ status: 'skipped', id, ageMs: expect.any(Number) });
      expect(resent.ageMs).toBeLessThan(60_000);
      // The node that takes over places the stored tile; there is exactly one.
      await until(async () => (await fetch(`${follower.url}/api/tiles/${id}`)).status === 200, 20_000);
      expect((await sql.query('SELECT count(*)::int AS n FROM tiles')).rows[0].n).toBe(1);
    } finally {
      placer.child.kill('SIGCONT');
    }
  }, 90_000);

  it('takes over at once what a node that died was importing: run again through another node, each file goes in once', async () => {
    await cluster?.close();
    cluster = await startTestCluster(['e', 'f'], { ADMIN_TOKEN });
    const { nodes, sql } = cluster;
    const { placer, follower } = await roles(nodes);
    const n = 16;
    const photosDir = join(dir, 'dying');
    const photos = await Promise.all(Array.from({ length: n }, (_, i) => syntheticJpeg(480, 360, 600 + i)));
    writeTree(photosDir, Object.fromEntries(photos.map((p, i) => [`p${String(i).padStart(2, '0')}.jpg`, p])));
    const args = ['--token', ADMIN_TOKEN, '--concurrency', '4'];
    const unfinished = async () =>
      (await sql.query('SELECT count(*)::int AS n FROM import_hashes WHERE tile_id IS NULL')).rows[0]
        .n as number;

    const cli = startImport([photosDir, '--server', follower.url, ...args]);
    // The follower dies with files claimed: frozen the moment one is seen, so that it stays claimed.
    await until(async () => ((await unfinished()) > 0 ? true : undefined), 30_000, 5);
    follower.child.kill('SIGSTOP');
    cli.child.kill('SIGKILL');
    await cli.exited;
    expect(await unfinished()).toBeGreaterThan(0);
    follower.child.kill('SIGKILL');
    await follower.exited;

    const report = join(dir, 'dying.csv');
    const again = await runImportCli([photosDir, '--server', placer.url, ...args, '--report', report]);
    expect(again.code, again.output).toBe(0);
    const rows = [...parseReport(readFileSync(report, 'utf8')).values()];
    expect(rows.filter((r) => r.status === 'imported' || r.status === 'skipped')).toHaveLength(n);
    expect(new Set(rows.map((r) => r.tile)).size).toBe(n);
    expect((await sql.query('SELECT count(*)::int AS n FROM tiles')).rows[0].n).toBe(n);
    expect(await unfinished()).toBe(0);
  }, 90_000);
});
