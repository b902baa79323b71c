/**
 * The Socket.IO parser both sides use. With the default parser a packet carrying a binary
 * payload travels as two WebSocket frames (a text header, then the attachment); with
 * msgpack every packet, binary payloads included, is one binary frame. Pure JavaScript,
 * no I/O: it only encodes and decodes packets. The server wraps its encoder
 * (server/realtime/serverParser.ts) so that binary arguments go out as msgpack `bin`.
 */
import * as msgpack from 'socket.io-msgpack-parser';

/** Pass as `parser` to `io(url, ...)`; the server passes its wrapped twin to `new Server(...)`. */
export const wireParser = msgpack;
