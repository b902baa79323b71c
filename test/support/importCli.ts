import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import yazl from 'yazl';

const ROOT = resolve(import.meta.dirname, '../..');

/** A started `npm run import` (scripts/import.ts), its output gathered. */
export interface ImportCli {
  child: ChildProcess;
  output(): string;
  /** Its exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** Starts the import command with `args`, as `npm run import -- ...args` would. */
export function startImport(args: string[]): ImportCli {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/import.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ADMIN_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  return { child, output: () => out, exited: new Promise((r) => child.once('exit', (code) => r(code))) };
}

/** Runs the import command to its end. */
export async function runImportCli(args: string[]): Promise<{ code: number | null; output: string }> {
  const cli = startImport(args);
  const code = await cli.exited;
  return { code, output: cli.output() };
}

/** Writes files (path relative to `dir` -> bytes) into a folder, making subfolders. */
export function writeTree(dir: string, files: Record<string, Buffer | string>): void {
  for (const [rel, data] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, data);
  }
}

/** A ZIP (yazl) of the given entries. */
export function zipOf(files: Record<string, Buffer | string>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, data] of Object.entries(files)) zip.addBuffer(Buffer.from(data), name);
  zip.end();
  return new Promise((resolveZip, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolveZip(Buffer.concat(chunks)));
  });
}

/** Parses the import's CSV report into rows by file. */
export function parseReport(csv: string): Map<string, { status: string; code: string; tile: string }> {
  const rows = new Map<string, { status: string; code: string; tile: string }>();
  for (const line of csv.trim().split('\n').slice(1)) {
    const cells: string[] = [];
    let cell = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i]!;
      if (quoted && ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = !quoted;
      else if (ch === ',' && !quoted) {
        cells.push(cell);
        cell = '';
      } else cell += ch;
    }
    cells.push(cell);
    rows.set(cells[0]!, { status: cells[1]!, code: cells[2]!, tile: cells[4]! });
  }
  return rows;
}
