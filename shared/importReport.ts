/**
 * The import's report, one row per file: what became of it (imported, pending, skipped or
 * refused with the server's code and message) and its tile. The same CSV from
 * `npm run import --report` and from the admin page's browser import.
 */
import type { ImportOutcome } from './importFiles.ts';

/** One file's line of the report. */
export interface ReportRow {
  file: string;
  outcome: ImportOutcome;
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
