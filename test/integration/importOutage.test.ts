/**
 * The bulk import on a network that fails: the server out of reach is the import's trouble,
 * not a file's. A wrong --server stops the run at once; a server that goes away mid-run is
 * waited for, and the import goes on by itself once it answers; a connection a Wi-Fi drop left
 * dead (nothing comes back, nothing closes it) is given up and the file sent again on a new
 * one. Every file ends imported or skipped once, never refused for the network.
 */
import { readFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runImport } from '../../scripts/import/runImport.ts';
import { until } from '../support/cluster.ts';
import { syntheticJpeg } from '../support/images.ts';
import { parseReport, runImportCli, startImport, writeTree } from '../support/importCli.ts';
import { bootServer, removeDir, tempDataDir } from '../support/server.ts';
import { ADMIN_TOKEN, useServers } from './safetyHelpers.ts';

const { start } = useServers();
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) removeDir(d);
});
const tempDir = () => {
  const d = tempDataDir();
  dirs.push(d);
  return d;
};

/** A folder of `n` distinct photos. */
async function photoFolder(n: number, from: number): Promise<string> {
  const dir = tempDir();
  const all = await Promise.all(Array.from({ length: n }, (_, i) => syntheticJpeg(480, 360, from + i)));
  writeTree(dir, Object.fromEntries(all.map((p, i) => [`p${String(i).padStart(2, '0')}.jpg`, p])));
  return dir;
}

const tileCount = async (url: string) =>
  ((await (await fetch(`${url}/api/mosaic`)).json()) as { tileCount: number }).tileCount;

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * A TCP relay to `port` whose `cut()` leaves every connection open now dead, as a dropped
 * Wi-Fi does: nothing it carries arrives any more and nothing closes it. New connections pass.
 */
async function relay(port: number): Promise<{
  url: string;
  cut(): void;
  /** From now on, answers are lost on their way back (the connection left dead after the request arrived), until `answers(true)`. */
  answers(pass: boolean): void;
  /** Connections whose answer was lost. */
  readonly lostAnswers: number;
  close(): Promise<void>;
}> {
  const open = new Set<{ alive: boolean; sockets: Socket[] }>();
  let pass = true;
  const lost = new Set<object>();
  const server: Server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    const pair = { alive: true, sockets: [client, upstream] };
    open.add(pair);
    client.on('data', (d) => pair.alive && upstream.write(d));
    upstream.on('data', (d) => {
      if (pair.alive && !pass) {
        pair.alive = false;
        lost.add(pair);
      }
      if (pair.alive) client.write(d);
    });
    for (const s of pair.sockets) s.on('error', () => {});
    client.on('close', () => {
      open.delete(pair);
      upstream.destroy();
    });
    // The server closing its side (its keep-alive timeout) reaches the command only while the line lives.
    upstream.on('close', () => pair.alive && client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    cut: () => {
      for (const pair of open) pair.alive = false;
    },
    answers: (on) => {
      pass = on;
    },
    get lostAnswers() {
      return lost.size;
    },
    close: async () => {
      for (const pair of open) for (const s of pair.sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('bulk import on a failing network', () => {
  it('stops, refusing no file, when the server cannot be reached at all (a wrong --server)', async () => {
    const dir = await photoFolder(8, 700);
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await runImportCli([dir, '--server', url, '--token', ADMIN_TOKEN]);
    expect(r.code, r.output).toBe(2);
    expect(r.output).toContain('does not answer (connect ECONNREFUSED');
    expect(r.output).toContain(
      `Stopped early: SERVER_UNREACHABLE: The server could not be reached at ${url} (connect ECONNREFUSED`,
    );
    expect(r.output).toMatch(/Imported: 0\nSkipped \(imported before\): 0\nRefused: 0\n/);
  }, 30_000);

  it('waits while the server is down, goes on once it is back, and imports each file once', async () => {
    const dataDir = tempDir();
    const n = 20;
    const dir = await photoFolder(n, 720);
    let server = await bootServer(dataDir, { ADMIN_TOKEN });
    const port = new URL(server.url).port;
    const report = join(tempDir(), 'report.csv');
    const cli = startImport([
      dir,
      '--server',
      server.url,
      '--token',
      ADMIN_TOKEN,
      '--concurrency',
      '3',
      '--report',
      report,
    ]);
    try {
      await until(async () => (await tileCount(server.url)) >= 3, 30_000, 10);
      server.child.kill('SIGKILL');
      await server.exited;
      // The command says why it waits, and waits (longer than its tries on a passing refusal).
      await until(async () => cli.output().includes('the server does not answer'), 10_000, 20);
      await new Promise((r) => setTimeout(r, 3_000));
      server = await bootServer(dataDir, { ADMIN_TOKEN, PORT: port });
      expect(await cli.exited, cli.output()).toBe(0);
      expect(cli.output()).toMatch(/import: the server answers again after \d+s\./);
      const rows = [...parseReport(readFileSync(report, 'utf8')).values()];
      expect(rows).toHaveLength(n);
      expect(rows.filter((r) => r.status === 'refused')).toEqual([]);
      expect(await tileCount(server.url)).toBe(n);
      expect(new Set(rows.map((r) => r.tile)).size).toBe(n);
    } finally {
      cli.child.kill('SIGKILL');
      server.child.kill('SIGKILL');
      await server.exited;
    }
  }, 90_000);

  it('gives up a connection left dead mid-import and sends its file again on a new one', async () => {
    const s = await start();
    const n = 12;
    const dir = await photoFolder(n, 760);
    const line = await relay(Number(new URL(s.url).port));
    const waits: boolean[] = [];
    try {
      const run = runImport(
        dir,
        { server: line.url, token: ADMIN_TOKEN, event: null, hideFaces: false },
        {
          concurrency: 3,
          limits: { idleMs: 1_000, outageMs: 60_000, firstContactMs: 10_000, maxPauseMs: 10_000 },
          progress: () => ({ update() {}, waiting: (down) => waits.push(down !== null), stop() {} }),
        },
      );
      await until(async () => (await tileCount(s.url)) >= 3, 30_000, 5);
      // Every keep-alive connection the command holds goes dead at once, requests in flight on them.
      line.cut();
      const { rows, tally, stopped } = await run;
      expect(stopped).toBeNull();
      expect(tally.refused).toBe(0);
      expect(tally.imported + tally.skipped).toBe(n);
      // It said that it waited, and that the server answered again.
      expect(waits).toContain(true);
      expect(waits.at(-1)).toBe(false);
      expect(await tileCount(s.url)).toBe(n);
      expect(new Set(rows.map((r) => ('id' in r.outcome ? r.outcome.id : null))).size).toBe(n);
    } finally {
      await line.close();
    }
  }, 60_000);

  it('counts a photo whose answer was lost as imported by this run, and one imported by an earlier run as skipped', async () => {
    const s = await start();
    const [old, fresh] = await Promise.all([syntheticJpeg(480, 360, 790), syntheticJpeg(480, 360, 791)]);
    const first = tempDir();
    writeTree(first, { 'old.jpg': old });
    const both = tempDir();
    writeTree(both, { 'old.jpg': old, 'fresh.jpg': fresh });
    const quiet = () => ({ update() {}, waiting() {}, stop() {} });
    const target = { token: ADMIN_TOKEN, event: null, hideFaces: false };
    const before = await runImport(first, { ...target, server: s.url }, { concurrency: 1, progress: quiet });
    expect(before.tally).toEqual({ imported: 1, pending: 0, skipped: 0, refused: 0 });
    // An earlier run, and not a mere moment earlier: a tile made less than an answer's way back
    // (here, on a busy machine, up to tens of ms) before this run's lost try counts as that try's.
    await new Promise((r) => setTimeout(r, 1000));

    const line = await relay(Number(new URL(s.url).port));
    try {
      // Both requests arrive and are answered (fresh.jpg imported, old.jpg skipped), and both
      // answers are lost on the way back; the command gives up the dead connections after 1 s.
      line.answers(false);
      const run = runImport(
        both,
        { ...target, server: line.url },
        {
          concurrency: 2,
          progress: quiet,
          limits: { idleMs: 1_000, outageMs: 60_000, firstContactMs: 10_000, maxPauseMs: 10_000 },
        },
      );
      await until(async () => line.lostAnswers >= 2, 30_000, 5);
      line.answers(true);
      const { rows, tally, stopped } = await run;
      expect(stopped).toBeNull();
      expect(line.lostAnswers).toBe(2);
      const outcome = (file: string) => rows.find((r) => r.file === file)?.outcome;
      // The lost try of fresh.jpg is what imported it: this run's, though the server had it when asked again.
      expect(outcome('fresh.jpg')).toMatchObject({ status: 'imported' });
      expect(outcome('old.jpg')).toEqual({
        status: 'skipped',
        id: (before.rows[0]!.outcome as { id: number }).id,
      });
      expect(tally).toEqual({ imported: 1, pending: 0, skipped: 1, refused: 0 });
      expect(await tileCount(s.url)).toBe(2);
    } finally {
      await line.close();
    }
  }, 60_000);
});
