import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import {
  CLIENT_REQUESTS,
  ErrorCode,
  type EventStats,
  eventRoom,
  isEventCode,
  type ProtocolError,
  type Reply,
  type SessionSynced,
} from '../../shared/protocol.ts';
import { HandshakeError, isSeq, parseHandshake, safeKnown } from './handshake.ts';
import {
  LiveBroadcaster,
  type LiveBroadcasterOptions,
  type LiveServer,
  type LiveSocket,
} from './LiveBroadcaster.ts';
import { serverParser } from './serverParser.ts';
import type { LiveSource } from './source.ts';

/** Options of {@link attachRealtime}; all optional. */
export interface RealtimeOptions extends Partial<LiveBroadcasterOptions> {
  /** Largest message a client may send (bytes). Viewers only listen, so it is small. Default 4096. */
  maxHttpBufferSize?: number;
  /** Socket.IO path. Default `/socket.io`. */
  path?: string;
  /** Requests a connection may make in a burst, refilled at `requestsPerSecond`. Default 20. */
  requestBurst?: number;
  /** Default 2. */
  requestsPerSecond?: number;
  /** A connection with more packets than this waiting to be written is dropped (it resumes with since). Default 2000. */
  maxQueuedPackets?: number;
  /** Whether a rally code may be followed; overrides the source's own `knownEvent`. */
  knownEvent?: (code: string) => boolean;
}

/** What {@link attachRealtime} returns. */
export interface Realtime {
  io: LiveServer;
  broadcaster: LiveBroadcaster;
  /** Disconnects everyone and stops listening to the core. Does NOT close the HTTP server. */
  close(): Promise<void>;
}

const fail = (code: ProtocolError['code'], message: string) => ({
  ok: false as const,
  error: { code, message },
});

/**
 * Attaches the live protocol to an HTTP server: version check at the handshake, resume from
 * `auth.since` (replay or snapshot), batched binary broadcasts of the source's changes,
 * rally rooms with counters, and typed errors for anything a client sends wrong.
 */
export function attachRealtime(
  httpServer: HttpServer,
  source: LiveSource,
  opts: RealtimeOptions = {},
): Realtime {
  const log = opts.log ?? ((m: string, e?: unknown) => console.error(m, e ?? ''));
  const io: LiveServer = new Server(httpServer, {
    parser: serverParser,
    path: opts.path ?? '/socket.io',
    maxHttpBufferSize: opts.maxHttpBufferSize ?? 4096,
    serveClient: false,
    // No connectionStateRecovery: our own sequence numbers do the recovery.
  });
  const broadcaster = new LiveBroadcaster(source, io, {
    windowMs: Math.min(opts.windowMs ?? 25, 50),
    historyRecords: opts.historyRecords ?? 262_144,
    maxBatchRecords: opts.maxBatchRecords ?? 4096,
    snapshotTailMax: opts.snapshotTailMax ?? 4096,
    log,
  });
  const known = opts.knownEvent ?? source.knownEvent?.bind(source);
  const burst = opts.requestBurst ?? 20;
  const perSecond = opts.requestsPerSecond ?? 2;

  io.use((socket, next) => {
    try {
      const req = parseHandshake(socket.handshake.auth, known);
      socket.data.event = req.event;
      socket.data.view = req.view;
      socket.data.role = req.role;
      next();
    } catch (err) {
      next(err instanceof HandshakeError ? err : new HandshakeError(ErrorCode.INTERNAL, 'handshake failed'));
    }
  });

  io.on('connection', (socket) => {
    try {
      onConnection(socket);
    } catch (err) {
      log('realtime: connection setup failed', err);
      socket.disconnect(true);
    }
  });

  function onConnection(socket: LiveSocket): void {
    const { since, epoch } = parseHandshake(socket.handshake.auth);
    const event = socket.data.event;
    // Sync first: it flushes what is pending, so the rally room gets no highlight of a tile
    // that the snapshot or replay already holds.
    broadcaster.sync(socket, since, epoch);
    if (event) {
      socket.join(eventRoom(event));
      broadcaster.touchEvent(event);
      socket.emit('stats:updated', broadcaster.stats(event));
    }

    let tokens = burst;
    let refilled = Date.now();
    socket.use(([name, ...args], next) => {
      const ack = args.at(-1);
      const refuse = (code: ProtocolError['code'], message: string) => {
        if (typeof ack === 'function') ack(fail(code, message));
        else socket.emit('request:rejected', { code, message, request: String(name).slice(0, 64) });
      };
      const now = Date.now();
      tokens = Math.min(burst, tokens + ((now - refilled) / 1000) * perSecond);
      refilled = now;
      if (tokens < 1) return refuse(ErrorCode.RATE_LIMITED, 'Too many requests; slow down.');
      tokens--;
      if (!(CLIENT_REQUESTS as readonly string[]).includes(name)) {
        return refuse(ErrorCode.UNKNOWN_REQUEST, `Unknown request "${String(name).slice(0, 64)}".`);
      }
      if (typeof ack !== 'function')
        return refuse(ErrorCode.MALFORMED, 'Every request needs an acknowledgement.');
      next();
    });

    socket.on('event:join', (code, ack) =>
      guarded(ack, (): Reply<EventStats> => {
        if (!isEventCode(code)) return fail(ErrorCode.MALFORMED, 'A rally code looks like "london".');
        if (known && !safeKnown(known, code))
          return fail(ErrorCode.UNKNOWN_EVENT, `There is no rally "${code}".`);
        leave(socket);
        socket.join(eventRoom(code));
        socket.data.event = code;
        broadcaster.touchEvent(code);
        return { ok: true, data: broadcaster.stats(code) };
      }),
    );
    socket.on('event:leave', (ack) =>
      guarded(ack, (): Reply<null> => {
        leave(socket);
        return { ok: true, data: null };
      }),
    );
    socket.on('mosaic:resync', (since, ack) =>
      guarded(ack, (): Reply<SessionSynced> => {
        if (since !== null && !isSeq(since))
          return fail(ErrorCode.MALFORMED, 'since must be null or a sequence number.');
        return { ok: true, data: broadcaster.sync(socket, since) };
      }),
    );
    socket.on('disconnect', () => {
      if (socket.data.event) broadcaster.touchEvent(socket.data.event);
    });
  }

  function leave(socket: LiveSocket): void {
    const old = socket.data.event;
    if (!old) return;
    socket.leave(eventRoom(old));
    socket.data.event = null;
    broadcaster.touchEvent(old);
  }

  function guarded<T>(ack: (reply: Reply<T>) => void, body: () => Reply<T>): void {
    let reply: Reply<T>;
    try {
      reply = body();
    } catch (err) {
      log('realtime: request failed', err);
      reply = fail(ErrorCode.INTERNAL, 'The server could not do that; try again.');
    }
    if (typeof ack === 'function') ack(reply);
  }

  const maxQueued = opts.maxQueuedPackets ?? 2000;
  const sweeper = setInterval(() => {
    for (const socket of io.sockets.sockets.values()) {
      const queued = (socket.conn as unknown as { writeBuffer?: unknown[] }).writeBuffer?.length ?? 0;
      if (queued > maxQueued) socket.disconnect(true);
    }
  }, 1000);
  sweeper.unref();

  return {
    io,
    broadcaster,
    async close() {
      clearInterval(sweeper);
      broadcaster.close();
      io.disconnectSockets(true);
      await io.of('/').adapter.close?.();
      io.engine.close();
    },
  };
}
