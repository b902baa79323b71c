import { Buffer } from 'node:buffer';
import { wireParser } from '../../shared/wire.ts';

/**
 * notepack (msgpack) writes only a Node Buffer as `bin`; a Uint8Array or an ArrayBuffer
 * becomes an extension type that browsers decode as `[0, ArrayBuffer]`. Every binary
 * event argument leaves the server as a Buffer view of the same bytes (no copy).
 */
function asBuffer(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return v;
  if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (v instanceof ArrayBuffer) return Buffer.from(v);
  return v;
}

class Encoder extends wireParser.Encoder {
  override encode(packet: { data?: unknown }) {
    const data = Array.isArray(packet.data) ? packet.data.map(asBuffer) : packet.data;
    return super.encode({ ...packet, data });
  }
}

/** The server's side of {@link wireParser}. */
export const serverParser = { ...wireParser, Encoder };
