import { writeFile } from 'node:fs/promises';
import type { ImportOutcome, ImportTally } from '../../shared/importFiles.ts';

/** One file's line of the report. */
export interface ReportRow {
  file: string;
  outcome: ImportOutcome;
}

/** The summary printed at the end: the counts, then each refused file with its code and message. */
export function summary(rows: readonly ReportRow[], tally: ImportTally, stopped: string | null): string {
  const lines = [
    `Imported: ${tally.imported + tally.pending}${tally.pending ? ` (${tally.pending} waiting for review)` : ''}`,
    `Skipped (imported before): ${tally.skipped}`,
    `Refused: ${tally.refused}`,
  ];
  for (const r of rows) {
    if (r.outcome.status === 'refused') lines.push(`  ${r.file}: ${r.outcome.code}: ${r.outcome.message}`);
  }
  if (stopped) lines.push(`Stopped early: ${stopped}`);
  return lines.join('\n');
}

const cell = (v: string | number) => {
  const s = String(v);
  // Quoted when needed (RFC 4180); a leading = + - @ is defused for spreadsheets.
  const safe = /^[=+\-@]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};

/** The report as CSV: file, status, code, message, tile, one row per file. */
export function reportCsv(rows: readonly ReportRow[]): string {
  const out = ['file,status,code,message,tile'];
  for (const { file, outcome: o } of rows) {
    out.push(
      [
        file,
        o.status,
        o.status === 'refused' ? o.code : '',
        o.status === 'refused' ? o.message : '',
        'id' in o ? o.id : '',
      ]
        .map(cell)
        .join(','),
    );
  }
  return `${out.join('\n')}\n`;
}

export function writeReport(path: string, rows: readonly ReportRow[]): Promise<void> {
  return writeFile(path, reportCsv(rows));
}
