/**
 * HEIC photos decode in a worker thread (server/ingest/heic.ts). A photo in hand keeps the
 * process running until it is answered, and an idle worker never does: a script that ingests
 * one HEIC gets its tiles and exits at once.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { HEIC_WORKER_BOOT, HeicDecoder } from '../../server/ingest/heic.ts';

const ROOT = join(import.meta.dirname, '../..');

describe('the HEIC worker', () => {
  it('keeps a script alive while it decodes, photo after photo, and lets it exit once done', async () => {
    const code = `
      import { readFileSync } from 'node:fs';
      import { ingestPhoto } from './server/ingest/pipeline.ts';
      const heic = readFileSync('test/fixtures/rocket-gps.heic');
      // One photo, then another once the worker has gone idle.
      for (const n of [1, 2]) {
        const photo = await ingestPhoto(heic);
        console.log(n, 'tiles', [...photo.files.keys()].join(','), 'rgb', photo.rgb.join(','));
      }
    `;
    // An idle worker holding the process open would keep it for the worker's 30 s idle time, past this limit.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', code],
      { cwd: ROOT, timeout: 20_000 },
    );
    expect(stdout).toMatch(/^1 tiles 128,512 rgb \d+,\d+,\d+\n2 tiles 128,512 rgb \d+,\d+,\d+$/m);
  });
});

/**
 * No real file makes libheif hang or crash, so the worker here is the server's own with its
 * listener wrapped: a file that starts with HANG! spins for ever, one with CRASH ends the
 * thread. Every other file goes to the real decoder.
 */
const TRAPPED = `
  const { parentPort } = require('node:worker_threads');
  const on = parentPort.on.bind(parentPort);
  parentPort.on = (type, listener) => on(type, (ask) => {
    const head = Buffer.from(ask.buf.subarray(0, 5)).toString();
    if (head === 'HANG!') for (;;);
    if (head === 'CRASH') process.exit(70);
    listener(ask);
  });
  ${HEIC_WORKER_BOOT}`;

describe('a HEIC decode that hangs or crashes', () => {
  const heic = readFileSync(join(ROOT, 'test/fixtures/rocket-gps.heic'));
  const ask = (buf: Buffer) => ({ buf, maxPixels: 50_000_000, side: 512 });
  // Long enough for a worker to boot and decode the fixture on a loaded machine.
  const decodeMs = 8_000;

  it('refuses the file past its deadline and decodes the next in a fresh worker', async () => {
    const decoder = new HeicDecoder({ boot: TRAPPED, decodeMs, idleMs: 100 });
    expect(await decoder.decode(ask(heic))).toMatchObject({ ok: true, width: 1280, height: 854 });
    // The hanging file and a good one arrive together: the good one waits its turn, then is decoded.
    const t0 = performance.now();
    const [hung, after] = await Promise.all([
      decoder.decode(ask(Buffer.from('HANG!'))),
      decoder.decode(ask(heic)),
    ]);
    expect(hung).toEqual({ ok: false, reason: 'corrupt' });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(decodeMs - 50);
    expect(after).toMatchObject({ ok: true, width: 1280, height: 854 });
  }, 40_000);

  it('refuses the file its worker crashed on and decodes the next in a fresh worker', async () => {
    const decoder = new HeicDecoder({ boot: TRAPPED, decodeMs, idleMs: 100 });
    const [crashed, after] = await Promise.all([
      decoder.decode(ask(Buffer.from('CRASH'))),
      decoder.decode(ask(heic)),
    ]);
    expect(crashed).toEqual({ ok: false, reason: 'corrupt' });
    expect(after).toMatchObject({ ok: true, width: 1280, height: 854 });
  }, 40_000);
});
