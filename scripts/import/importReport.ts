import { writeFile } from 'node:fs/promises';
import type { ImportTally } from '../../shared/importFiles.ts';
import { type ReportRow, reportCsv } from '../../shared/importReport.ts';

export type { ReportRow };

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

export function writeReport(path: string, rows: readonly ReportRow[]): Promise<void> {
  return writeFile(path, reportCsv(rows));
}
