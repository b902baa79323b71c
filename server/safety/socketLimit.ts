import type { IncomingMessage } from 'node:http';
import type { Server } from 'socket.io';
import { type ClientKeys, clientAddress } from './clientKey.ts';

/** Options of {@link limitSocketsPerAddress}. */
export interface SocketLimitOptions {
  /** Open connections allowed per address (IPv6: per /56); 0 turns the limit off. */
  max: number;
  /** The Express `trust proxy` hop count, so that both agree on the client's address. */
  trustProxyHops: number;
}

/**
 * Limits open Engine.IO connections per client address. It counts at the Engine.IO layer,
 * not in a Socket.IO `io.use()`, so that a raw connection that never joins a namespace counts
 * too; the refusal is a 403 at the handshake, and Socket.IO clients retry with back-off.
 * Counts are kept under hashed keys, in memory only. Returns a function that undoes it.
 */
export function limitSocketsPerAddress(
  io: Server,
  keys: ClientKeys,
  opts: SocketLimitOptions,
): { open(key: string): number; close(): void } {
  const open = new Map<string, number>();
  const engine = io.engine;
  if (opts.max <= 0) return { open: () => 0, close: () => {} };
  const keyOf = (req: IncomingMessage) =>
    keys.ofAddress(
      clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], opts.trustProxyHops),
    );

  const previous = engine.opts.allowRequest;
  engine.opts.allowRequest = (req, fn) => {
    if ((open.get(keyOf(req)) ?? 0) >= opts.max) {
      fn(`Too many open connections from your network (at most ${opts.max}).`, false);
      return;
    }
    if (previous) previous(req, fn);
    else fn(null, true);
  };

  const onConnection = (raw: { request: IncomingMessage; once(ev: 'close', f: () => void): void }) => {
    const key = keyOf(raw.request);
    open.set(key, (open.get(key) ?? 0) + 1);
    raw.once('close', () => {
      const n = (open.get(key) ?? 1) - 1;
      if (n > 0) open.set(key, n);
      else open.delete(key);
    });
  };
  engine.on('connection', onConnection);

  return {
    open: (key) => open.get(key) ?? 0,
    close() {
      engine.off('connection', onConnection);
      engine.opts.allowRequest = previous;
    },
  };
}
