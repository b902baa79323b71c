import { open, readdir, stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import yauzl from 'yauzl';
import { isZipName } from '../../shared/importFiles.ts';

/** One file found for the import: its path as shown in the report, and how to read it. */
export interface ImportItem {
  name: string;
  /**
   * The whole file, in a buffer from `alloc` where given: a run that hands out one buffer
   * per file in flight, read into again and again, allocates nothing per file.
   */
  read(alloc?: (size: number) => Buffer): Promise<Buffer>;
}

/** Every file under a folder, a ZIP, or one file; ZIPs found in a folder are read through too. */
export interface ImportSources {
  items: ImportItem[];
  close(): void;
}

/** Lists what `path` holds, folders recursively and ZIP archives entry by entry, in a stable order. */
export async function listSources(path: string): Promise<ImportSources> {
  const items: ImportItem[] = [];
  const zips: yauzl.ZipFile[] = [];
  const addFile = async (file: string, name: string) => {
    if (isZipName(file)) {
      const zip = await openZip(file);
      zips.push(zip.file);
      for (const e of zip.items) items.push({ ...e, name: `${name}/${e.name}` });
    } else items.push(fileItem(file, name));
  };
  const walk = async (dir: string) => {
    const names = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const d of names) {
      const p = join(dir, d.name);
      if (d.isDirectory()) await walk(p);
      else if (d.isFile()) await addFile(p, relative(path, p));
    }
  };
  if ((await stat(path)).isDirectory()) await walk(path);
  else await addFile(path, basename(path));
  return {
    items,
    close() {
      for (const z of zips) z.close();
    },
  };
}

function fileItem(file: string, name: string): ImportItem {
  return {
    name,
    async read(alloc = Buffer.allocUnsafe) {
      const fh = await open(file, 'r');
      try {
        const buf = alloc((await fh.stat()).size);
        let got = 0;
        while (got < buf.length) {
          const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        return buf.subarray(0, got);
      } finally {
        await fh.close();
      }
    },
  };
}

/** A ZIP's file entries (folders and macOS resource forks left out), each read on demand. */
async function openZip(file: string): Promise<{ file: yauzl.ZipFile; items: ImportItem[] }> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: false }, (e, z) => (e || !z ? reject(e) : resolve(z))),
  );
  const entries: yauzl.Entry[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (e: yauzl.Entry) => {
      if (!e.fileName.endsWith('/') && !e.fileName.startsWith('__MACOSX/')) entries.push(e);
      zip.readEntry();
    });
    zip.on('end', () => resolve());
    zip.on('error', reject);
    zip.readEntry();
  });
  const readEntry = (e: yauzl.Entry) =>
    new Promise<Buffer>((resolve, reject) => {
      zip.openReadStream(e, (err, stream) => {
        if (err || !stream) return reject(err);
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('error', reject);
        stream.on('end', () => resolve(Buffer.concat(chunks)));
      });
    });
  entries.sort((a, b) => (a.fileName < b.fileName ? -1 : 1));
  return {
    file: zip,
    items: entries.map((e) => ({ name: e.fileName, read: () => readEntry(e) })),
  };
}
