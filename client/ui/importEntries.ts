/**
 * What an organiser hands the admin page's import: files picked one by one, a folder (picked,
 * or dropped and walked), and ZIP archives, read with zip.js entry by entry from the file
 * itself (its central directory first, then each photo inflated when it is sent), so that a
 * photo booth's 2 GB archive is never held in memory whole. zip.js (about 55 KB with brotli, most
 * of the console's script) is fetched with the first ZIP, not with the page.
 */
import type { FileEntry } from '@zip.js/zip.js';
import { isZipName } from '../../shared/importFiles.ts';

/** One file to import: its path as the summary names it, and its bytes on demand. */
export interface ImportEntry {
  name: string;
  read(): Promise<Blob>;
}

/** The entries of picked files (a folder pick carries each file's path inside it); ZIPs are opened. */
export async function entriesOfFiles(files: Iterable<File>): Promise<ImportEntry[]> {
  const out: ImportEntry[] = [];
  for (const f of files) await add(out, f, f.webkitRelativePath || f.name);
  return out;
}

/** The entries of a drop: files, folders (walked) and ZIPs. */
export async function entriesOfDrop(data: DataTransfer): Promise<ImportEntry[]> {
  // Entries must be taken while the drop event runs; they are read afterwards.
  const roots = [...data.items].map((i) => i.webkitGetAsEntry()).filter((e): e is FileSystemEntry => !!e);
  const out: ImportEntry[] = [];
  for (const root of roots) await walk(out, root);
  return out;
}

async function walk(out: ImportEntry[], entry: FileSystemEntry): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) =>
      (entry as FileSystemFileEntry).file(resolve, reject),
    );
    await add(out, file, entry.fullPath.replace(/^\//, ''));
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const children: FileSystemEntry[] = [];
  // readEntries answers in batches (100 in Chromium) until an empty one.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (!batch.length) break;
    children.push(...batch);
  }
  children.sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const c of children) await walk(out, c);
}

async function add(out: ImportEntry[], file: File, name: string): Promise<void> {
  if (!isZipName(name)) {
    out.push({ name, read: async () => file });
    return;
  }
  const { BlobReader, BlobWriter, ZipReader } = await import('@zip.js/zip.js');
  const zip = new ZipReader(new BlobReader(file), { useWebWorkers: false });
  const entries = (await zip.getEntries())
    .filter((e): e is FileEntry => !e.directory && !e.filename.startsWith('__MACOSX/'))
    .sort((a, b) => (a.filename < b.filename ? -1 : 1));
  for (const e of entries)
    out.push({ name: `${name}/${e.filename}`, read: () => e.getData(new BlobWriter()) });
}
