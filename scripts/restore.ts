/**
 * `npm run restore -- <file.tar> --data <dir>`: unpacks a backup made by `npm run backup` into
 * a new (or empty) folder, with a progress bar (a line every few seconds off a terminal); start
 * the server with DATA_DIR=<dir> to serve it. A restore that fails leaves nothing in <dir>.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type RestoreStep, restoreStore } from '../server/store/backup.ts';
import { commandFailed } from './commandFailed.ts';
import { stepProgress } from './stepProgress.ts';

const USAGE = 'usage: npm run restore -- <file.tar> --data <dir>';

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { data: { type: 'string' } },
  });
  if (positionals.length !== 1 || !values.data)
    throw new Error(`Name the backup and the folder to restore into.\n${USAGE}`);
  const progress = stepProgress<RestoreStep>(
    'restore',
    {
      unpack: { label: 'unpacking', unit: 'bytes' },
      check: { label: 'checking every tile', unit: 'tiles' },
      flush: { label: 'writing it to disk', unit: 'bytes' },
    },
    { tty: !!process.stdout.isTTY },
  );
  const m = await restoreStore(resolve(positionals[0]!), resolve(values.data), progress.update).finally(() =>
    progress.stop(),
  );
  console.log(`Restored ${m.tiles} tiles (seq ${m.seq}, backed up ${m.createdAt}) into ${values.data}.`);
}

main().catch((e) => commandFailed('restore', e));
