import { isDiskFull } from '../server/http/StorageGuard.ts';

/**
 * Ends a command that writes a copy of the mosaic (backup, restore) after it failed: says why on
 * stderr, a full disk in plain words (whatever said so: the file system, a quota or SQLite), and
 * exits with status 1. The command has already removed what it had written.
 */
export function commandFailed(command: 'backup' | 'restore', e: unknown): never {
  const why = isDiskFull(e)
    ? `the disk it writes to is full, and nothing was left of the ${command} (${(e as { code: string }).code}).`
    : (e as Error).message;
  console.error(`${command} failed: ${why}`);
  process.exit(1);
}
