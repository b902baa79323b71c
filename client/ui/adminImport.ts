/**
 * The admin page's bulk import: drop (or pick) a folder, photos or a ZIP; every file that is
 * a photo by its name and first bytes goes to `POST /api/admin/import`, three at a time, with
 * a progress bar (count, rate, time left) and, at the end, how many were imported, skipped
 * (imported before: the server keeps each file's hash) and refused, each refusal with its
 * code and reason, and the report of every file to download as CSV. The same rules as
 * `npm run import` (shared/importFiles.ts). While the server cannot be reached, the files wait
 * and the status says so; the import goes on by itself once it answers, and Stop ends the wait.
 */
import { IMPORT_STOPPING_CODES } from '../../shared/httpApi.ts';
import {
  countOutcome,
  hasPhotoExtension,
  type ImportOutcome,
  type ImportTally,
  looksLikePhoto,
  NOT_A_PHOTO_MESSAGE,
  PHOTO_EXTENSIONS,
  SNIFF_BYTES,
  WorkClock,
} from '../../shared/importFiles.ts';
import { type ReportRow, reportCsv } from '../../shared/importReport.ts';
import { t } from '../i18n/index.ts';
import { importPhoto } from '../net/admin.ts';
import { ApiError } from '../net/api.ts';
import { adminErrorText, isUnauthorized, rallyField, say } from './adminMessages.ts';
import type { AdminSession } from './adminQueue.ts';
import { byId } from './header.ts';
import { entriesOfDrop, entriesOfFiles, type ImportEntry } from './importEntries.ts';
import { guardLeaving } from './leaveGuard.ts';

const CONCURRENCY = 3;
/** Answers after which no other file can go in: the run stops. */
const STOPPING = new Set<string>(IMPORT_STOPPING_CODES);

interface Refusal {
  name: string;
  code: string;
  text: () => string;
}

/** Wires the import section; returns how to stop a running import (on sign-out). */
export function mountImport(session: AdminSession): { close(): void } {
  const drop = byId('import-drop');
  const msg = byId('import-msg');
  let running: AbortController | null = null;
  // A page left mid-import stops sending; what was sent stays, and the same files resume it.
  guardLeaving(() => running !== null);

  const start = async (gather: () => Promise<ImportEntry[]>) => {
    if (running) return;
    const token = session.token();
    if (!token) return;
    // Something typed that is no rally code stops here: never an import without the rally.
    const code = rallyField('import-rally', msg);
    if (code === undefined) return;
    running = new AbortController();
    setBusy(true);
    byId('import-summary').hidden = true;
    say(msg, () => t('admin.importReading'));
    try {
      const entries = await gather();
      if (!entries.length) {
        say(msg, () => t('admin.importNothing'), true);
        return;
      }
      say(msg, null);
      await run(
        session,
        token,
        entries,
        { event: code || null, hideFaces: byId<HTMLInputElement>('import-hide').checked },
        running.signal,
        msg,
      );
    } catch (err) {
      if (isUnauthorized(err)) session.refused(err);
      else say(msg, () => adminErrorText(err), true);
    } finally {
      running = null;
      setBusy(false);
    }
  };

  // The picker offers what the import sends: ZIPs and photos by their endings.
  byId<HTMLInputElement>('import-files').accept = [
    '.zip',
    'application/zip',
    ...PHOTO_EXTENSIONS.map((e) => `.${e}`),
  ].join(',');
  for (const id of ['import-folder', 'import-files']) {
    const input = byId<HTMLInputElement>(id);
    input.addEventListener('change', () => {
      const files = [...(input.files ?? [])];
      input.value = '';
      void start(() => entriesOfFiles(files));
    });
  }
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (!e.dataTransfer) return;
    const gathered = entriesOfDrop(e.dataTransfer);
    void start(() => gathered);
  });
  byId('import-stop').addEventListener('click', () => running?.abort());
  return { close: () => running?.abort() };
}

function setBusy(busy: boolean): void {
  for (const id of ['import-folder', 'import-files', 'import-rally', 'import-hide'])
    byId<HTMLInputElement>(id).disabled = busy;
  byId('import-drop').classList.toggle('busy', busy);
  byId('import-stop').hidden = !busy;
}

async function run(
  session: AdminSession,
  token: string,
  entries: ImportEntry[],
  fields: { event: string | null; hideFaces: boolean },
  signal: AbortSignal,
  msg: HTMLElement,
): Promise<void> {
  const tally: ImportTally = { imported: 0, pending: 0, skipped: 0, refused: 0 };
  const refusals: Refusal[] = [];
  // Every file's outcome, for the report to download (the same CSV as `npm run import --report`).
  const rows: ReportRow[] = [];
  // Photos/s and the time left count the import's working time, not the time the server was away.
  const clock = new WorkClock(() => performance.now());
  let done = 0;
  let next = 0;
  let stop: ApiError | null = null;
  // A stop (a wrong token, a full disk, a rally not in the registry) also ends the other files'
  // waits between tries at once.
  const halt = new AbortController();
  const interrupt = AbortSignal.any([signal, halt.signal]);
  // Files whose server cannot be reached right now: while any waits, the status says so.
  let waitingFiles = 0;
  const progress = () => {
    clock.waiting(waitingFiles > 0);
    showProgress(done, entries.length, clock);
    if (waitingFiles > 0)
      say(byId('import-status'), () =>
        t('admin.importWaiting', { done, total: entries.length, n: entries.length }),
      );
  };
  byId('import-progress-box').hidden = false;
  progress();

  const one = async (entry: ImportEntry) => {
    let outcome: ImportOutcome;
    let text: () => string;
    let waits = false;
    const waiting = (on: boolean) => {
      if (on === waits) return;
      waits = on;
      waitingFiles += on ? 1 : -1;
      progress();
    };
    try {
      const blob = hasPhotoExtension(entry.name) ? await entry.read() : null;
      const head = blob ? new Uint8Array(await blob.slice(0, SNIFF_BYTES).arrayBuffer()) : null;
      if (!blob || !head || !looksLikePhoto(head)) {
        outcome = { status: 'refused', code: 'UNSUPPORTED_FORMAT', message: NOT_A_PHOTO_MESSAGE };
        text = () => t('error.UNSUPPORTED_FORMAT');
      } else {
        outcome = await importPhoto(token, blob, entry.name.split('/').pop() ?? 'photo', fields, {
          signal: interrupt,
          waiting,
        });
        text = () => '';
      }
    } catch (err) {
      waiting(false);
      // Stopped while it waited for the server: this file is not done (the same files resume it).
      if (interrupt.aborted && err === interrupt.reason) return;
      const e = err instanceof ApiError ? err : new ApiError('NETWORK', 0, String(err));
      if (STOPPING.has(e.code) || e.status === 401) {
        stop ??= e;
        halt.abort();
        return;
      }
      outcome = { status: 'refused', code: e.code, message: e.message };
      text = () => adminErrorText(e);
    }
    waiting(false);
    if (outcome.status === 'refused') refusals.push({ name: entry.name, code: outcome.code, text });
    rows.push({ file: entry.name, outcome });
    countOutcome(tally, outcome);
    done++;
    progress();
  };
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (!stop && !signal.aborted && next < entries.length) await one(entries[next++]!);
    }),
  );
  showSummary(tally, refusals, rows);
  showEnded(done, entries.length, clock);
  // Assigned in the workers' closures, which the compiler's narrowing does not see.
  const stopped = stop as ApiError | null;
  if (stopped && isUnauthorized(stopped)) session.refused(stopped);
  else if (stopped?.code === 'UNKNOWN_EVENT')
    say(msg, () => t('admin.importUnknownRally', { code: fields.event ?? '' }), true);
  else if (stopped) say(msg, () => adminErrorText(stopped), true);
  else say(msg, () => t(signal.aborted ? 'admin.importStopped' : 'admin.importDone'));
}

function showProgress(done: number, total: number, clock: WorkClock): void {
  const bar = byId('import-progress');
  const pct = total ? Math.round((done / total) * 100) : 100;
  bar.setAttribute('aria-valuenow', String(pct));
  byId('import-fill').style.width = `${pct}%`;
  const { rate, left } = clock.pace(done, total);
  // Said in words at each render, so that a language change says the time left anew too.
  const eta = () =>
    left === null
      ? '…'
      : left < 60
        ? t('admin.importEtaSec', { s: left })
        : t('admin.importEtaMin', { m: Math.ceil(left / 60) });
  const text = () => t('admin.importProgress', { done, total, n: total, rate: rate.toFixed(1), eta: eta() });
  say(byId('import-status'), text);
}

/** The status once the run is over, finished or stopped: how far it went, and at what pace. */
function showEnded(done: number, total: number, clock: WorkClock): void {
  const { rate } = clock.pace(done, total);
  say(byId('import-status'), () =>
    done
      ? t('admin.importEnded', { done, total, n: total, rate: rate.toFixed(1) })
      : t('admin.importCount', { done, total, n: total }),
  );
}

/** The report's object URL, given back when the next import replaces it. */
let reportUrl: string | null = null;

function showSummary(tally: ImportTally, refusals: Refusal[], rows: ReportRow[]): void {
  const box = byId('import-summary');
  box.hidden = false;
  if (reportUrl) URL.revokeObjectURL(reportUrl);
  reportUrl = URL.createObjectURL(new Blob([reportCsv(rows)], { type: 'text/csv;charset=utf-8' }));
  const report = byId<HTMLAnchorElement>('import-report');
  report.href = reportUrl;
  report.hidden = rows.length === 0;
  // Photos of a rally (or a server) that reviews first are in, and not yet on the mosaic.
  say(byId('import-imported'), () =>
    [
      t('admin.importImported', { n: tally.imported + tally.pending }),
      ...(tally.pending ? [t('admin.importPending', { n: tally.pending })] : []),
    ].join(' '),
  );
  say(byId('import-skipped'), () => t('admin.importSkipped', { n: tally.skipped }));
  say(byId('import-refused'), () => t('admin.importRefused', { n: tally.refused }));
  const list = byId('import-refusals');
  list.replaceChildren(
    ...refusals.map((r) => {
      const li = document.createElement('li');
      const name = document.createElement('strong');
      name.textContent = r.name;
      const code = document.createElement('code');
      code.textContent = r.code;
      const why = document.createElement('span');
      say(why, r.text);
      li.append(name, ' ', code, ' ', why);
      return li;
    }),
  );
}
