/**
 * `npm run backup -- <file.tar> [--data <dir>]`: an online, consistent backup of the embedded
 * store (DATA_DIR, default ./data) while the server runs: the SQLite database through its
 * backup API and every tile's files. Restore it with `npm run restore`. A cluster is backed up
 * with pg_dump instead (README, "Backups").
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type BackupStep, backupStore } from '../server/store/backup.ts';
import { commandFailed } from './commandFailed.ts';
import { stepProgress } from './stepProgress.ts';

const USAGE = 'usage: npm run backup -- <file.tar> [--data <dir>]';

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { data: { type: 'string', default: process.env.DATA_DIR ?? './data' } },
  });
  if (positionals.length !== 1) throw new Error(`Name the tar file to write.\n${USAGE}`);
  const started = Date.now();
  const progress = stepProgress<BackupStep>(
    'backup',
    {
      database: { label: 'copying the database', unit: 'pages' },
      tiles: { label: 'gathering the tiles', unit: 'tiles' },
      archive: { label: 'writing the archive', unit: 'bytes' },
    },
    { tty: !!process.stdout.isTTY },
  );
  const m = await backupStore(resolve(values.data), resolve(positionals[0]!), progress.update).finally(() =>
    progress.stop(),
  );
  console.log(
    `Backed up ${m.tiles} tiles (seq ${m.seq}) from ${values.data} to ${positionals[0]} in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
  );
}

main().catch((e) => commandFailed('backup', e));
