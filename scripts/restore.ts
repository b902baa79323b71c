/**
 * `npm run restore -- <file.tar> --data <dir>`: unpacks a backup made by `npm run backup` into
 * a new (or empty) folder; start the server with DATA_DIR=<dir> to serve it.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { restoreStore } from '../server/store/backup.ts';

const USAGE = 'usage: npm run restore -- <file.tar> --data <dir>';

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { data: { type: 'string' } },
  });
  if (positionals.length !== 1 || !values.data)
    throw new Error(`Name the backup and the folder to restore into.\n${USAGE}`);
  const m = await restoreStore(resolve(positionals[0]!), resolve(values.data));
  console.log(`Restored ${m.tiles} tiles (seq ${m.seq}, backed up ${m.createdAt}) into ${values.data}.`);
}

main().catch((e) => {
  console.error(`restore failed: ${(e as Error).message}`);
  process.exit(1);
});
