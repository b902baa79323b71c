import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTimelapseLog } from '../../server/cluster/timelapseLog.ts';
import { logPlan } from '../../server/http/timelapsePlan.ts';
import { type TimelapseJob, tilesAtFrame } from '../../shared/timelapse.ts';
import { health, type NodeProcess, startTestCluster, type TestCluster, until } from '../support/cluster.ts';
import { syntheticJpeg } from '../support/images.ts';
import { removeDir, tempDataDir, upload } from '../support/server.ts';
import { probeVideo } from '../support/video.ts';

const TOKEN = 'cluster-timelapse-token-0123';
const auth = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };

describe('timelapse on a cluster node', () => {
  let cluster: TestCluster;
  let nodes: NodeProcess[] = [];
  const dataDir = tempDataDir();
  const ids: number[] = [];

  beforeAll(async () => {
    // A 2x2 grid that fills up: the log gets growths (to 4x4, then 8x8) and improving swaps.
    cluster = await startTestCluster(['a', 'b'], {
      ADMIN_TOKEN: TOKEN,
      DATA_DIR: dataDir,
      MOSAIC_COLS: '2',
      MOSAIC_ROWS: '2',
    });
    nodes = cluster.nodes;
    await until(
      async () => (await Promise.all(nodes.map((n) => health(n.url)))).some((h) => h.role === 'placer'),
      15_000,
    );
    for (let i = 0; i < 18; i++) {
      const res = await upload(nodes[0]!.url, await syntheticJpeg(480, 360, 300 + i));
      expect(res.status).toBe(201);
      ids.push(((await res.json()) as { id: number }).id);
    }
  }, 60_000);

  afterAll(async () => {
    await cluster?.close();
    removeDir(dataDir);
  });

  it('renders from the tiles in PostgreSQL, and a delete on another node makes the video stale', async () => {
    const b = nodes[1]!.url;
    // Node B has every tile in its live copy before it is asked.
    await until(async () => {
      const m = (await (await fetch(`${b}/api/mosaic`)).json()) as { tileCount: number };
      return m.tileCount === ids.length;
    }, 15_000);
    const res = await fetch(`${b}/api/admin/timelapse`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ width: 320, height: 320, seconds: 2, fps: 10 }),
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const job = () =>
      fetch(`${b}/api/admin/jobs/${id}`, { headers: auth }).then((r) => r.json() as Promise<TimelapseJob>);
    await until(async () => (await job()).state === 'done', 60_000);
    const video = await fetch(`${b}/api/admin/jobs/${id}/video.mp4`, { headers: auth });
    expect(video.status).toBe(200);
    const bytes = Buffer.from(await video.arrayBuffer());
    const file = join(dataDir, 'cluster-check.mp4');
    writeFileSync(file, bytes);
    expect(await probeVideo(file, bytes)).toMatchObject({
      codec: 'h264',
      width: 320,
      height: 320,
      frames: 20,
    });
    expect((await fetch(`${nodes[0]!.url}/api/admin/jobs/${id}`, { headers: auth })).status).toBe(404);

    const del = await fetch(`${nodes[0]!.url}/api/admin/tiles/${ids[0]}`, {
      method: 'DELETE',
      headers: auth,
    });
    expect(del.status).toBe(204);
    await until(async () => {
      const r = await fetch(`${b}/api/admin/jobs/${id}/video.mp4`, { headers: auth });
      return (
        r.status === 409 && ((await r.json()) as { error: { code: string } }).error.code === 'VIDEO_STALE'
      );
    }, 15_000);
  }, 120_000);

  it('replays the change log: moves, swaps and growths as they happened, the deleted tile in no frame', async () => {
    const { sql } = cluster;
    const deleted = ids[0]!;
    // Deleted by the test above (404 then), or now when this one runs alone.
    const del = await fetch(`${nodes[0]!.url}/api/admin/tiles/${deleted}`, {
      method: 'DELETE',
      headers: auth,
    });
    expect([204, 404]).toContain(del.status);
    // The delete reached the placer and its log.
    await until(
      async () =>
        (await sql.query('SELECT 1 FROM changes WHERE type = 2 AND id = $1', [deleted])).rowCount === 1,
      15_000,
    );
    const rows = (
      await sql.query(
        'SELECT seq, type, id, cell_col AS col, cell_row AS row, cols, rows, layout FROM changes ORDER BY seq',
      )
    ).rows as {
      type: number;
      id: number;
      col: number;
      row: number;
      cols: number;
      rows: number;
      layout: Buffer | null;
    }[];
    const live = (await sql.query("SELECT id FROM tiles WHERE status = 'live' ORDER BY id")).rows.map(
      (r) => r.id as number,
    );
    expect(live).not.toContain(deleted);
    // The log really holds what the replay must follow.
    expect(rows.filter((r) => r.type === 3).map((r) => r.cols)).toEqual([4, 8]);
    const moved = rows.filter((r) => r.type === 1 && live.includes(r.id));
    expect(moved.length).toBeGreaterThan(0);
    expect(rows.some((r) => r.id === deleted && r.type === 0)).toBe(true);

    // The expected mosaic before each new tile arrives, worked out here from the rows alone.
    const expected: { grid: number; cells: Map<string, number> }[] = [];
    let grid = 2;
    let at = new Map<number, string>();
    const arrived = new Set<number>();
    for (const r of rows) {
      if (r.type === 3) {
        grid = r.cols;
        at = new Map();
        for (let o = 0; o < r.layout!.length; o += 14) {
          const id = r.layout!.readUInt32LE(o);
          if (live.includes(id))
            at.set(id, `${r.layout!.readUInt16LE(o + 4)},${r.layout!.readUInt16LE(o + 6)}`);
        }
        continue;
      }
      if (!live.includes(r.id)) continue;
      if (r.type === 0 && !arrived.has(r.id)) {
        expected.push({ grid, cells: new Map([...at].map(([id, c]) => [c, id])) });
        arrived.add(r.id);
      }
      if (r.type === 2) at.delete(r.id);
      else at.set(r.id, `${r.col},${r.row}`);
    }
    expected.push({ grid, cells: new Map([...at].map(([id, c]) => [c, id])) });
    expect(expected.length).toBe(live.length + 1);

    // One frame per arrival: a length whose fill lasts n frames, so that frame f shows f tiles.
    const n = live.length;
    let frames = n + 1;
    while (Array.from({ length: n + 1 }, (_, f) => tilesAtFrame(f, frames, n)).some((c, f) => c !== f))
      frames++;
    const plan = logPlan(await openTimelapseLog(sql), Uint32Array.from(live), frames, 0);
    const drawn = new Map<string, number>();
    let cols = 0;
    const seenAt = new Map<number, Set<string>>();
    for (let f = 0; f <= n; f++) {
      const step = await plan.next(f);
      if (step.grid) {
        cols = step.grid.cols;
        drawn.clear();
      }
      for (let k = 0; k < step.clear.length; k += 2) drawn.delete(`${step.clear[k]},${step.clear[k + 1]}`);
      for (let k = 0; k < step.paint.length; k += 6) {
        const id = step.paint[k]!;
        expect(id).not.toBe(deleted);
        const cell = `${step.paint[k + 1]},${step.paint[k + 2]}`;
        drawn.set(cell, id);
        seenAt.set(id, (seenAt.get(id) ?? new Set()).add(cell));
      }
      expect({ f, grid: cols, cells: new Map(drawn) }).toEqual({
        f,
        grid: expected[f]!.grid,
        cells: expected[f]!.cells,
      });
      expect(step.count).toBe(expected[f]!.cells.size);
    }
    await plan.close();
    // A tile that moved within one grid was drawn at its first cell, and later at the cell it moved to.
    const grown = rows.flatMap((r, i) => (r.type === 3 ? [i] : []));
    const firstAt = (id: number) => rows.findIndex((r) => r.type === 0 && r.id === id);
    const m = moved.find((r) => !grown.some((g) => g > firstAt(r.id) && g < rows.indexOf(r)))!;
    expect(m).toBeDefined();
    const first = rows[firstAt(m.id)]!;
    expect(`${first.col},${first.row}`).not.toBe(`${m.col},${m.row}`);
    expect(seenAt.get(m.id)).toContain(`${first.col},${first.row}`);
    expect(seenAt.get(m.id)).toContain(`${m.col},${m.row}`);
  }, 60_000);
});
