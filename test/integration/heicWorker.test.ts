/**
 * HEIC photos decode in a worker thread (server/ingest/heic.ts). A photo in hand keeps the
 * process running until it is answered, and an idle worker never does: a script that ingests
 * one HEIC gets its tiles and exits at once.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

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
