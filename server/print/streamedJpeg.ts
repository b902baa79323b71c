import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { degrees, drawImage, type PDFDocument, type PDFPage, type PDFRef } from 'pdf-lib';
import { sharp } from '../ingest/sharp.ts';

/** The image dictionary of a baseline RGB JPEG, as PDF writes it (DCTDecode passes the file through). */
function imageDict(width: number, height: number, length?: number): string {
  const len = length === undefined ? '' : ` /Length ${length}`;
  return `<< /Type /XObject /Subtype /Image /Width ${width} /Height ${height} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode${len} >>`;
}

/**
 * A JPEG file that goes into a PDF without ever being in memory: pdf-lib builds the small
 * document around a placeholder image object (the right dictionary, no bytes), and
 * {@link StreamedJpeg.save} writes pdf-lib's bytes followed by an incremental update (PDF
 * 32000-1, 7.5.6) that replaces the placeholder with the real object, its stream copied from
 * the file. Readers take the newest version of an object, so the page shows the JPEG; the
 * placeholder's few bytes stay behind, unused.
 */
export class StreamedJpeg {
  private constructor(
    private readonly doc: PDFDocument,
    private readonly file: string,
    readonly width: number,
    readonly height: number,
    private readonly ref: PDFRef,
  ) {}

  /** Reserves the image object for the JPEG at `file` (only its header is read). */
  static async reserve(doc: PDFDocument, file: string): Promise<StreamedJpeg> {
    const m = await sharp(file).metadata();
    if (m.format !== 'jpeg' || !m.width || !m.height || m.channels !== 3)
      throw new Error('the picture must be an RGB JPEG');
    const ctx = doc.context;
    const ref = ctx.register(
      ctx.stream(new Uint8Array(0), {
        Type: 'XObject',
        Subtype: 'Image',
        Width: m.width,
        Height: m.height,
        ColorSpace: 'DeviceRGB',
        BitsPerComponent: 8,
        Filter: 'DCTDecode',
      }),
    );
    return new StreamedJpeg(doc, file, m.width, m.height, ref);
  }

  /** Draws the image on `page` in the box (points), as page.drawImage would. */
  draw(page: PDFPage, box: { x: number; y: number; width: number; height: number }): void {
    const name = page.node.newXObject('Image', this.ref);
    page.pushOperators(
      ...drawImage(name, { ...box, rotate: degrees(0), xSkew: degrees(0), ySkew: degrees(0) }),
    );
  }

  /** Writes the whole PDF to `out`: pdf-lib's document, then the update that carries the JPEG. */
  async save(out: string): Promise<void> {
    const head = Buffer.from(await this.doc.save({ useObjectStreams: false }));
    const prev = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(head.subarray(-64).toString('latin1'))?.[1];
    if (prev === undefined) throw new Error('pdf-lib wrote no cross-reference table');
    const { size } = await stat(this.file);
    const n = this.ref.objectNumber;
    const open = Buffer.from(`\n${n} 0 obj\n${imageDict(this.width, this.height, size)}\nstream\n`, 'latin1');
    const objectAt = head.length + 1;
    const xrefAt = head.length + open.length + size + '\nendstream\nendobj\n'.length;
    const t = this.doc.context.trailerInfo;
    const trailer = [
      `/Size ${this.doc.context.largestObjectNumber + 1}`,
      `/Root ${t.Root}`,
      t.Info ? `/Info ${t.Info}` : '',
      t.ID ? `/ID ${t.ID}` : '',
      `/Prev ${prev}`,
    ].filter(Boolean);
    const close = Buffer.from(
      '\nendstream\nendobj\n' +
        // Each entry is exactly 20 bytes, its end of line two characters.
        `xref\n${n} 1\n${String(objectAt).padStart(10, '0')} 00000 n\r\n` +
        `trailer\n<< ${trailer.join(' ')} >>\nstartxref\n${xrefAt}\n%%EOF\n`,
      'latin1',
    );
    const file = this.file;
    await pipeline(async function* () {
      yield head;
      yield open;
      yield* createReadStream(file);
      yield close;
    }, createWriteStream(out));
  }
}
