/**
 * `npm run import -- <folder|file.zip> --server <URL> --token <ADMIN_TOKEN> [--event <code>]
 * [--concurrency N] [--hide-faces] [--report out.csv]`: sends photos collected with consent
 * (a gallery, a shared folder, a photo booth's ZIP) through a running server's ingest, via
 * `POST /api/admin/import`. Running it again, after it finished or was killed, imports
 * nothing twice: the server keeps a hash of every imported file's bytes.
 * Exit status: 0 when every file was imported or skipped, 1 when some were refused, 2 when
 * the import could not run or stopped early (Ctrl-C included: the files under way finish and
 * the summary and report are written; a second Ctrl-C quits at once, 130).
 */
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { isEventCode } from '../shared/rally.ts';
import { summary, writeReport } from './import/importReport.ts';
import { DEFAULT_CONCURRENCY, runImport } from './import/runImport.ts';

const USAGE =
  'usage: npm run import -- <folder|file.zip> --server <URL> --token <ADMIN_TOKEN> [--event <code>] [--concurrency N] [--hide-faces] [--report out.csv]';

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

async function main() {
  let parsed: ReturnType<typeof parse>;
  const parse = () =>
    parseArgs({
      allowPositionals: true,
      options: {
        server: { type: 'string' },
        token: { type: 'string', default: process.env.ADMIN_TOKEN },
        event: { type: 'string' },
        concurrency: { type: 'string', default: String(DEFAULT_CONCURRENCY) },
        'hide-faces': { type: 'boolean', default: false },
        report: { type: 'string' },
      },
    });
  try {
    parsed = parse();
  } catch (e) {
    fail((e as Error).message);
  }
  const { values: v, positionals } = parsed;
  if (positionals.length !== 1) fail('Name one folder or ZIP file to import.');
  const path = positionals[0]!;
  if (!(await stat(path).catch(() => null))) fail(`There is no file or folder at ${path}.`);
  if (!v.server || !/^https?:\/\//.test(v.server))
    fail('--server must be the server URL, like http://localhost:3000.');
  if (!v.token) fail("--token (or ADMIN_TOKEN in the environment) must be the server's admin token.");
  if (v.event !== undefined && !isEventCode(v.event)) fail('--event must be a rally code like "london".');
  const concurrency = Number(v.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
    fail('--concurrency must be a whole number from 1 to 64.');

  // Ctrl-C (or SIGTERM) stops sending and lets the files under way finish, so that the summary
  // and the report say what went in; a second one quits at once.
  const interrupt = new AbortController();
  const stop = () => {
    if (interrupt.signal.aborted) process.exit(130);
    console.error('\nStopping: the files being sent finish first (press Ctrl-C again to quit at once).');
    interrupt.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const run = await runImport(
    path,
    { server: v.server, token: v.token, event: v.event ?? null, hideFaces: v['hide-faces'] },
    { concurrency, signal: interrupt.signal },
  );
  console.log(summary(run.rows, run.tally, run.stopped));
  if (v.report) {
    await writeReport(v.report, run.rows);
    console.log(`Report written to ${v.report}`);
  }
  process.exit(run.stopped ? 2 : run.tally.refused ? 1 : 0);
}

main().catch((e) => {
  console.error('import failed:', e);
  process.exit(2);
});
