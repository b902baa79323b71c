import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { posterLayout } from '../../server/print/posterLayout.ts';
import { type NodeProcess, startTestCluster, type TestCluster, until } from '../support/cluster.ts';
import { syntheticJpeg } from '../support/images.ts';
import { readPdf } from '../support/pdf.ts';
import { upload } from '../support/server.ts';

const ADMIN_TOKEN = 'cluster-print-admin-token-0123';
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe('cluster mode: the poster, stickers and link cards from any node', () => {
  let cluster: TestCluster;
  let nodes: NodeProcess[] = [];
  beforeAll(async () => {
    cluster = await startTestCluster(['a', 'b'], { ADMIN_TOKEN });
    nodes = cluster.nodes;
  });
  afterAll(() => cluster?.close());

  const tileCount = async (url: string) =>
    ((await (await fetch(`${url}/api/mosaic`)).json()) as { tileCount: number }).tileCount;

  it('serves them on both nodes from the live copy, and drops a deleted tile everywhere', async () => {
    const [a, b] = nodes as [NodeProcess, NodeProcess];
    const added: { id: number; deleteToken: string }[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await upload(a.url, await syntheticJpeg(400, 300, 40 + i * 9));
      expect(r.status).toBe(201);
      added.push(await r.json());
    }
    await until(async () => ((await tileCount(b.url)) === 5 ? true : undefined), 10_000);
    const info = (await (await fetch(`${b.url}/api/mosaic`)).json()) as { cols: number; rows: number };
    const layout = posterLayout(
      { size: 'A4', dpi: 150, bleed: 0, orient: 'auto', caption: null },
      info.cols,
      info.rows,
    );
    for (const n of [a, b]) {
      const poster = await readPdf(
        await (await fetch(`${n.url}/api/mosaic/poster.pdf?size=A4`)).arrayBuffer(),
      );
      expect(poster.images).toEqual([{ ...layout.px, filter: '/DCTDecode' }]);
      const stickers = await readPdf(
        await (await fetch(`${n.url}/api/admin/stickers.pdf`, { headers: auth })).arrayBuffer(),
      );
      expect(stickers.images).toHaveLength(5);
    }
    const victim = added[1]!;
    expect((await fetch(`${b.url}/api/tiles/${victim.id}/card.png`)).status).toBe(200);
    const del = await fetch(`${a.url}/api/tiles/${victim.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${victim.deleteToken}` },
    });
    expect(del.status).toBe(204);
    await until(async () => ((await tileCount(b.url)) === 4 ? true : undefined), 10_000);
    expect((await fetch(`${b.url}/api/tiles/${victim.id}/card.png`)).status).toBe(404);
    const after = await readPdf(
      await (await fetch(`${b.url}/api/admin/stickers.pdf`, { headers: auth })).arrayBuffer(),
    );
    expect(after.images).toHaveLength(4);
  }, 90_000);
});
