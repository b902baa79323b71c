import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimelapseJob } from '../../shared/timelapse.ts';
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
    cluster = await startTestCluster(['a', 'b'], { ADMIN_TOKEN: TOKEN, DATA_DIR: dataDir });
    nodes = cluster.nodes;
    await until(
      async () => (await Promise.all(nodes.map((n) => health(n.url)))).some((h) => h.role === 'placer'),
      15_000,
    );
    for (let i = 0; i < 6; i++) {
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
});
