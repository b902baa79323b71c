import type pg from 'pg';
import { copyOut } from './loadLive.ts';

/** "PGCOPY\n\xff\r\n\0", then the flags and the header extension's length. */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/**
 * Runs `COPY (query) TO STDOUT (FORMAT binary)` on `c` and hands `row` each row's bytes with
 * where each of its `fields` starts (`at[k]`, after the field's length, which is `len[k]`, -1
 * for NULL), whatever the message boundaries: a million rows cost no text parsing.
 */
export async function eachCopyRow(
  c: pg.PoolClient,
  query: string,
  fields: number,
  row: (b: Buffer, at: Int32Array, len: Int32Array) => void,
): Promise<void> {
  const at = new Int32Array(fields);
  const len = new Int32Array(fields);
  let rest: Buffer | null = null;
  let header = true;
  let done = false;
  await copyOut(c, `COPY (${query}) TO STDOUT (FORMAT binary)`, (chunk) => {
    const b = rest ? Buffer.concat([rest, chunk]) : chunk;
    let pos = 0;
    if (header) {
      if (b.length < SIGNATURE.length + 8) {
        rest = Buffer.from(b);
        return;
      }
      if (!b.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new Error('not a binary COPY');
      pos = SIGNATURE.length + 8 + b.readInt32BE(SIGNATURE.length + 4);
      if (b.length < pos) {
        rest = Buffer.from(b);
        return;
      }
      header = false;
    }
    while (!done && b.length >= pos + 2) {
      const n = b.readInt16BE(pos);
      if (n === -1) {
        done = true;
        pos += 2;
        break;
      }
      if (n !== fields) throw new Error(`a COPY row has ${n} fields, want ${fields}`);
      let p = pos + 2;
      let whole = true;
      for (let k = 0; k < fields; k++) {
        if (b.length < p + 4) {
          whole = false;
          break;
        }
        const l = b.readInt32BE(p);
        len[k] = l;
        at[k] = p + 4;
        p += 4 + Math.max(0, l);
      }
      if (!whole || b.length < p) break;
      row(b, at, len);
      pos = p;
    }
    // A copy: the driver may reuse the bytes of a message it has handed over.
    rest = pos < b.length ? Buffer.from(b.subarray(pos)) : null;
  });
  if (!done || rest) throw new Error('a binary COPY ended early');
}
