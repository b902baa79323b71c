import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ingestPhoto } from '../../server/ingest/pipeline.ts';
import { fontFile } from '../../server/print/fontFile.ts';
import type { TimelapseJob } from '../../shared/timelapse.ts';
import { timelapseLayout } from '../../shared/timelapse.ts';
import { syntheticJpeg } from '../support/images.ts';
import { startServer, type TestServer } from '../support/server.ts';
import { probeVideo, videoFrame } from '../support/video.ts';

const TOKEN = 'timelapse-admin-token-0123';
const COLS = 10;
const ROWS = 10;
const N = 60;
let server: TestServer;
const auth = { Authorization: `Bearer ${TOKEN}` };

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${server.url}${path}`, {
    ...init,
    headers: { ...auth, 'Content-Type': 'application/json', ...init.headers },
  });

async function startJob(body: object): Promise<string> {
  const res = await api('/api/admin/timelapse', { method: 'POST', body: JSON.stringify(body) });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

/** Polls a job until `until` says stop; returns every answer seen. */
async function follow(id: string, until: (j: TimelapseJob) => boolean, ms = 60_000): Promise<TimelapseJob[]> {
  const seen: TimelapseJob[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const j = (await (await api(`/api/admin/jobs/${id}`)).json()) as TimelapseJob;
    seen.push(j);
    if (until(j)) return seen;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${id} did not get there: ${JSON.stringify(seen.at(-1))}`);
}

const mediaDir = () => join(server.dataDir, 'media');

async function download(id: string, name = id): Promise<{ file: string; bytes: Buffer }> {
  const res = await api(`/api/admin/jobs/${id}/video.mp4`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('video/mp4');
  const bytes = Buffer.from(await res.arrayBuffer());
  const file = join(server.dataDir, `check-${name}.mp4`);
  writeFileSync(file, bytes);
  return { file, bytes };
}

/** The mean colour of a cell's middle in a frame. */
async function cellMean(png: Buffer, size: number, col: number, row: number): Promise<number[]> {
  const l = timelapseLayout(size, size, COLS, ROWS);
  const inset = Math.floor(l.cellPx / 4);
  const data = await sharp(png)
    .extract({
      left: l.mosaic.x + col * l.cellPx + inset,
      top: l.mosaic.y + row * l.cellPx + inset,
      width: l.cellPx - 2 * inset,
      height: l.cellPx - 2 * inset,
    })
    .resize(1, 1, { kernel: 'cubic' })
    .raw()
    .toBuffer();
  return [data[0]!, data[1]!, data[2]!];
}
/** The pixels of a 320 px square video's text bands (its last frame), rendered in `lang`. */
async function textBands(lang: string, name: string, which: Array<'hashtag' | 'counter'>): Promise<Buffer> {
  const id = await startJob({ width: 320, height: 320, seconds: 2, fps: 10, lang });
  await follow(id, (j) => j.state === 'done');
  const png = await videoFrame((await download(id, name)).file, 19);
  const layout = timelapseLayout(320, 320, COLS, ROWS);
  const parts = await Promise.all(
    which.map((w) => {
      const r = layout[w];
      return sharp(png).extract({ left: r.x, top: r.y, width: r.width, height: r.height }).raw().toBuffer();
    }),
  );
  return Buffer.concat(parts);
}
const distance = (a: number[], b: number[]) => Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);

describe('timelapse video jobs', () => {
  beforeAll(async () => {
    server = await startServer({ ADMIN_TOKEN: TOKEN, MOSAIC_COLS: String(COLS), MOSAIC_ROWS: String(ROWS) });
    const photos = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => ingestPhoto(await syntheticJpeg(320, 240, i * 11 + 3))),
    );
    for (let i = 0; i < N; i++) await server.app.service.add(photos[i % 12]!, { event: null, phash: null });
  }, 120_000);
  afterAll(() => server.destroy());

  it('refuses bad bodies with 400 and a reason, and strangers with 401', async () => {
    for (const body of [
      { seconds: 5 },
      { preset: 'square', seconds: 500 },
      { width: 1081, height: 1080, seconds: 5 },
      { preset: 'story', seconds: 5, event: 'London!' },
      { preset: 'square', seconds: 5, from: '2026-12-03T10:00:00Z', to: '2026-12-02T10:00:00Z' },
      { preset: 'square', seconds: 5, lang: 'xx' },
      { preset: 'square', seconds: 5, lang: 'pt' },
    ]) {
      const res = await api('/api/admin/timelapse', { method: 'POST', body: JSON.stringify(body) });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');
    }
    const res = await fetch(`${server.url}/api/admin/timelapse`, { method: 'POST' });
    expect(res.status).toBe(401);
    expect((await api('/api/admin/jobs/00000000-0000-0000-0000-000000000000')).status).toBe(404);
  });

  it('names the counter in the asked language', async () => {
    const bad = await api('/api/admin/timelapse', {
      method: 'POST',
      body: JSON.stringify({ preset: 'square', seconds: 5, lang: 'klingon' }),
    });
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(
      /^lang: one of en, ru/,
    );
    const band = (lang: string) => textBands(lang, `lang-${lang}`, ['counter']);
    const [en, ru, enAgain] = [await band('en'), await band('ru'), await band('en')];
    // The same count, another word: only the words differ (and an encode is repeatable).
    expect(en.equals(enAgain)).toBe(true);
    expect(en.equals(ru)).toBe(false);
  }, 90_000);

  it('draws its words in the bundled DejaVu Sans on a machine with no fonts', async () => {
    // Two fontconfig setups the renderer inherits: no fonts at all (where a letter would be an
    // empty box), and nothing but the DejaVu Sans that comes with the npm packages.
    const dir = join(server.dataDir, 'fontconfig');
    mkdirSync(dir, { recursive: true });
    const conf = (name: string, body: string) => {
      const file = join(dir, name);
      writeFileSync(
        file,
        `<?xml version="1.0"?>\n<fontconfig>${body}<cachedir>${dir}/cache</cachedir></fontconfig>\n`,
      );
      return file;
    };
    const none = conf('none.conf', '');
    const dejavu = conf('dejavu.conf', `<dir>${dirname(fontFile(false))}</dir>`);
    const before = process.env.FONTCONFIG_FILE;
    try {
      process.env.FONTCONFIG_FILE = none;
      const bare = await textBands('ru', 'no-fonts', ['hashtag', 'counter']);
      process.env.FONTCONFIG_FILE = dejavu;
      const bundled = await textBands('ru', 'dejavu-only', ['hashtag', 'counter']);
      expect(bare.equals(bundled)).toBe(true);
    } finally {
      if (before === undefined) delete process.env.FONTCONFIG_FILE;
      else process.env.FONTCONFIG_FILE = before;
    }
  }, 90_000);

  it('makes an H.264 yuv420p faststart MP4 of the asked size, length and frame count, with growing progress', async () => {
    const reads = vi.spyOn(server.app.service, 'readFile');
    const raws = vi.spyOn(server.app.service, 'readRgb32');
    const id = await startJob({ width: 320, height: 320, seconds: 3, fps: 20 });
    const seen = await follow(id, (j) => j.state === 'done' || j.state === 'failed');
    expect(seen.at(-1)).toMatchObject({ state: 'done', progress: 1, url: `/api/admin/jobs/${id}/video.mp4` });
    // Cells of at most 32 px: every tile drawn from its raw 32 px pixels, none decoded.
    expect(timelapseLayout(320, 320, COLS, ROWS).cellPx).toBeLessThanOrEqual(32);
    expect(raws.mock.calls.length).toBeGreaterThanOrEqual(N);
    expect(reads).not.toHaveBeenCalled();
    vi.restoreAllMocks();
    const progress = seen.map((j) => j.progress);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1]!);
    expect(progress.some((p) => p > 0 && p < 1)).toBe(true);
    const { file, bytes } = await download(id);
    expect(await probeVideo(file, bytes)).toMatchObject({
      codec: 'h264',
      pixFmt: 'yuv420p',
      width: 320,
      height: 320,
      frames: 60,
      faststart: true,
    });
    expect((await probeVideo(file, bytes)).duration).toBeCloseTo(3, 1);
    // The list finds it again (what a reloaded admin page asks).
    const list = (await (await api('/api/admin/jobs')).json()) as { jobs: TimelapseJob[] };
    expect(list.jobs.map((j) => j.id)).toContain(id);
  }, 90_000);

  it('cancels a running job and leaves no file behind', async () => {
    const id = await startJob({ width: 720, height: 720, seconds: 60, fps: 30 });
    await follow(id, (j) => j.state === 'running' && j.progress > 0);
    const res = await api(`/api/admin/jobs/${id}`, { method: 'DELETE' });
    expect(((await res.json()) as TimelapseJob).state).toBe('cancelled');
    // The renderer and its ffmpeg stop within moments; then nothing of the job is left.
    await expect
      .poll(() => readdirSync(mediaDir()).filter((f) => f.startsWith(id)), { timeout: 10_000 })
      .toEqual([]);
    expect((await follow(id, () => true))[0]!.state).toBe('cancelled');
    expect((await api(`/api/admin/jobs/${id}/video.mp4`)).status).toBe(404);
  }, 60_000);

  it('fails clearly when the encoder fails, and leaves no file behind', async () => {
    process.env.FFMPEG_PATH = '/bin/false';
    try {
      const id = await startJob({ preset: 'square', seconds: 2, fps: 10 });
      const seen = await follow(id, (j) => j.state === 'failed' || j.state === 'done');
      expect(seen.at(-1)!.state).toBe('failed');
      expect(seen.at(-1)!.error).toMatch(/ffmpeg|renderer/);
      expect(readdirSync(mediaDir()).filter((f) => f.startsWith(id))).toEqual([]);
    } finally {
      delete process.env.FFMPEG_PATH;
    }
  }, 60_000);

  it("shows only the asked rally's tiles", async () => {
    const photo = await ingestPhoto(await syntheticJpeg(320, 240, 999));
    const london: { id: number; col: number; row: number }[] = [];
    for (let i = 0; i < 4; i++)
      london.push(await server.app.service.add(photo, { event: 'london', phash: null }));
    const id = await startJob({ width: 320, height: 320, seconds: 2, fps: 10, event: 'london' });
    await follow(id, (j) => j.state === 'done');
    const { file } = await download(id, 'london');
    const first = await videoFrame(file, 0);
    const last = await videoFrame(file, 19);
    for (const t of london)
      expect(
        distance(await cellMean(last, 320, t.col, t.row), await cellMean(first, 320, t.col, t.row)),
      ).toBeGreaterThan(20);
    const other = server.app.service.placements().find((p) => !london.some((t) => t.id === p.id))!;
    expect(
      distance(
        await cellMean(last, 320, other.col, other.row),
        await cellMean(first, 320, other.col, other.row),
      ),
    ).toBeLessThan(12);
  }, 60_000);

  it('drops a video when one of its tiles is deleted, and the next one lacks the tile', async () => {
    const id = await startJob({ width: 320, height: 320, seconds: 2, fps: 10 });
    await follow(id, (j) => j.state === 'done');
    const before = await download(id, 'before');
    const victim = server.app.service.placements().at(-1)!;
    const res = await api(`/api/admin/tiles/${victim.id}`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(readdirSync(mediaDir()).filter((f) => f.startsWith(id))).toEqual([]);
    const stale = await api(`/api/admin/jobs/${id}/video.mp4`);
    expect(stale.status).toBe(409);
    expect(((await stale.json()) as { error: { code: string } }).error.code).toBe('VIDEO_STALE');
    await follow(id, (j) => j.state === 'done');
    const after = await download(id);
    expect((await probeVideo(after.file, after.bytes)).frames).toBe(20);

    const empty = await cellMean(await videoFrame(after.file, 0), 320, victim.col, victim.row);
    const now = await cellMean(await videoFrame(after.file, 19), 320, victim.col, victim.row);
    const last = await videoFrame(before.file, 19);
    if (process.env.TIMELAPSE_SHOTS) writeFileSync(join(process.env.TIMELAPSE_SHOTS, 'last-frame.png'), last);
    const then = await cellMean(last, 320, victim.col, victim.row);
    expect(distance(now, empty)).toBeLessThan(12);
    expect(distance(then, empty)).toBeGreaterThan(20);
  }, 90_000);
  it('makes a video again when one of its tiles is removed while it renders', async () => {
    const id = await startJob({ width: 320, height: 320, seconds: 8, fps: 20 });
    await follow(id, (j) => j.state === 'running' && j.progress > 0.05);
    const victim = server.app.service.placements().reduce((a, b) => (b.id > a.id ? b : a));
    expect((await api(`/api/admin/tiles/${victim.id}`, { method: 'DELETE' })).status).toBe(204);
    const seen = await follow(id, (j) => j.state === 'done', 90_000);
    // The first render ended stale and was queued again: its progress started over.
    expect(seen.some((j, k) => k > 0 && j.progress < seen[k - 1]!.progress)).toBe(true);
    const { file } = await download(id, 'rerun');
    const empty = await cellMean(await videoFrame(file, 0), 320, victim.col, victim.row);
    const last = await cellMean(await videoFrame(file, 159), 320, victim.col, victim.row);
    expect(distance(last, empty)).toBeLessThan(12);
  }, 120_000);
});
