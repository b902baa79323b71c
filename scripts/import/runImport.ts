import {
  countOutcome,
  hasPhotoExtension,
  type ImportOutcome,
  type ImportTally,
  looksLikePhoto,
  NOT_A_PHOTO_MESSAGE,
  SNIFF_BYTES,
} from '../../shared/importFiles.ts';
import { type ImportProgress, importProgress } from './importProgress.ts';
import type { ReportRow } from './importReport.ts';
import { listSources } from './importSources.ts';
import {
  FatalImportError,
  LINK_LIMITS,
  type LinkLimits,
  type SendTarget,
  ServerLink,
  sendPhoto,
} from './sendPhoto.ts';

/**
 * Files sent at a time unless `--concurrency` says otherwise. Each request spends part of its
 * life on the wire and in fsyncs; 8 keep the server's 4 sharp pipelines (its libuv pool) busy
 * through those waits (docs/BENCHMARKS.md).
 */
export const DEFAULT_CONCURRENCY = 8;

export interface ImportRun {
  rows: ReportRow[];
  tally: ImportTally;
  /** Why the import stopped before the end (a wrong token, a full or failing disk, Ctrl-C), or null. */
  stopped: string | null;
}

/**
 * Imports every file under `path` through the server, `concurrency` at a time. Files that
 * are not photos by name or bytes are reported `UNSUPPORTED_FORMAT` and not sent; the server
 * answers the rest, and its ledger makes a second run skip what the first imported.
 */
export async function runImport(
  path: string,
  target: SendTarget,
  opts: {
    concurrency: number;
    progress?: (total: number) => ImportProgress;
    limits?: LinkLimits;
    /** Stops the import (Ctrl-C): no new file is sent, the files under way finish, and the run ends early. */
    signal?: AbortSignal;
  },
): Promise<ImportRun> {
  const { signal } = opts;
  const sources = await listSources(path);
  const { items } = sources;
  const rows: ReportRow[] = new Array(items.length);
  const tally: ImportTally = { imported: 0, pending: 0, skipped: 0, refused: 0 };
  const progress = (opts.progress ?? ((n) => importProgress(n, { tty: !!process.stdout.isTTY })))(
    items.length,
  );
  // While the server cannot be reached, every file in flight waits, and the progress says so.
  const link = new ServerLink(opts.limits ?? LINK_LIMITS, (down) => progress.waiting(down));
  // A stop (a wrong token, a full disk, the server gone too long) also ends the other files'
  // waits between tries at once, rather than after their pauses or their remaining tries.
  const halt = new AbortController();
  const waits = signal ? AbortSignal.any([signal, halt.signal]) : halt.signal;
  let done = 0;
  let next = 0;
  let stopped: string | null = null;
  const one = async (i: number, alloc: (size: number) => Buffer) => {
    const item = items[i]!;
    let outcome: ImportOutcome;
    try {
      const bytes = hasPhotoExtension(item.name) ? await item.read(alloc) : null;
      if (!bytes || !looksLikePhoto(bytes.subarray(0, SNIFF_BYTES)))
        outcome = { status: 'refused', code: 'UNSUPPORTED_FORMAT', message: NOT_A_PHOTO_MESSAGE };
      else outcome = await sendPhoto(target, bytes, link, waits);
    } catch (e) {
      // Interrupted or stopped while it waited to be sent again: not done, and the next run sends it.
      if (waits.aborted && (e as Error).name === 'AbortError') return;
      if (e instanceof FatalImportError) {
        stopped ??= `${e.code}: ${e.message}`;
        halt.abort();
        return;
      }
      outcome = {
        status: 'refused',
        code: 'READ_FAILED',
        message: `The file could not be read: ${(e as Error).message}`,
      };
    }
    rows[i] = { file: item.name, outcome };
    countOutcome(tally, outcome);
    progress.update(++done, tally);
  };
  try {
    await Promise.all(
      Array.from({ length: Math.max(1, opts.concurrency) }, async () => {
        // One buffer per file in flight, grown to the largest file so far: sendPhoto is done
        // with a file's bytes before the next file is read into them.
        let spare = Buffer.allocUnsafeSlow(0);
        const alloc = (size: number) => {
          if (spare.length < size) spare = Buffer.allocUnsafeSlow(size);
          return spare.subarray(0, size);
        };
        while (!stopped && !signal?.aborted && next < items.length) await one(next++, alloc);
      }),
    );
  } finally {
    progress.stop();
    sources.close();
  }
  if (signal?.aborted && !stopped)
    stopped = `INTERRUPTED: ${items.length - done} of ${items.length} files not done. Run the same import again to go on: nothing is imported twice.`;
  return { rows: rows.filter(Boolean), tally, stopped };
}
