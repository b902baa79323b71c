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
import { defaultHeicWorkers, HEIC_WORKER_BOOT, HeicDecoder } from '../../server/ingest/heic.ts';

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
 * thread. A file MEET<n> followed by a real HEIC waits until n such files are in workers at the
 * same moment (they call each other on a BroadcastChannel), then goes on to the real decoder
 * with the HEIC. Every other file goes to the real decoder. Each worker, as it starts, posts its
 * thread id on the BroadcastChannel 'heic-started'.
 */
const TRAPPED = `
  const { parentPort, threadId } = require('node:worker_threads');
  // Each worker says it started, for the tests that count them.
  const started = new BroadcastChannel('heic-started');
  started.postMessage(threadId);
  started.close();
  const on = parentPort.on.bind(parentPort);
  parentPort.on = (type, listener) => on(type, (ask) => {
    const head = Buffer.from(ask.buf.subarray(0, 5)).toString();
    if (head === 'HANG!') for (;;);
    if (head === 'CRASH') process.exit(70);
    if (head.startsWith('MEET')) {
      const want = Number(head[4]);
      const heard = new Set();
      const me = Math.random();
      const channel = new BroadcastChannel('heic-meet');
      const call = () => channel.postMessage(me);
      channel.onmessage = (e) => {
        if (heard.has(e.data)) return;
        heard.add(e.data);
        call();
        if (heard.size + 1 >= want) {
          channel.onmessage = null;
          setTimeout(() => channel.close(), 200);
          listener({ ...ask, buf: ask.buf.subarray(5) });
        }
      };
      call();
      return;
    }
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

describe('HEIC workers', () => {
  const heic = readFileSync(join(ROOT, 'test/fixtures/rocket-gps.heic'));
  const meet = (n: number) => ({
    buf: Buffer.concat([Buffer.from(`MEET${n}`), heic]),
    maxPixels: 50_000_000,
    side: 512,
  });
  const decodeMs = 8_000;

  it('decode as many photos at once as there are workers, and queue the rest', async () => {
    const decoder = new HeicDecoder({ boot: TRAPPED, decodeMs, idleMs: 100, workers: 3 });
    // Three photos that each wait until all three are being decoded at once: only three workers
    // side by side answer them. A fourth, plain photo waits for the first worker free.
    const answers = await Promise.all(
      [meet(3), meet(3), meet(3)]
        .map((a) => decoder.decode(a))
        .concat(decoder.decode({ ...meet(0), buf: heic })),
    );
    for (const a of answers) expect(a).toMatchObject({ ok: true, width: 1280, height: 854 });
  }, 40_000);

  it('with one worker, decode one photo at a time', async () => {
    const decoder = new HeicDecoder({ boot: TRAPPED, decodeMs: 3_000, idleMs: 100, workers: 1 });
    // Two photos that wait for each other never meet in one worker: each is given up at its deadline.
    const answers = await Promise.all([meet(2), meet(2)].map((a) => decoder.decode(a)));
    expect(answers).toEqual([
      { ok: false, reason: 'corrupt' },
      { ok: false, reason: 'corrupt' },
    ]);
    // And the worker after them decodes as before.
    expect(await decoder.decode({ ...meet(0), buf: heic })).toMatchObject({ ok: true, width: 1280 });
  }, 40_000);

  it('send photos that come one after another to the worker already started', async () => {
    const started = new Set<number>();
    const channel = new BroadcastChannel('heic-started');
    channel.onmessage = (e) => started.add((e as MessageEvent<number>).data);
    try {
      const decoder = new HeicDecoder({ boot: TRAPPED, decodeMs, idleMs: 5_000, workers: 3 });
      for (let i = 0; i < 3; i++)
        expect(await decoder.decode({ ...meet(0), buf: heic })).toMatchObject({ ok: true, width: 1280 });
      // Three together then need all three.
      const together = await Promise.all([meet(3), meet(3), meet(3)].map((a) => decoder.decode(a)));
      for (const a of together) expect(a).toMatchObject({ ok: true, width: 1280 });
      await new Promise((r) => setTimeout(r, 100));
      expect(started.size).toBe(3);
    } finally {
      channel.close();
    }
  }, 40_000);

  it('default to one core fewer than the machine has, 1 to 4', () => {
    expect([1, 2, 3, 4, 8, 64].map((cores) => defaultHeicWorkers(cores))).toEqual([1, 1, 2, 3, 4, 4]);
  });
});
