/**
 * The live protocol between the server's realtime layer and every viewer, contributor page
 * and event screen: the single definition both sides import. It is the generic on
 * `new Server<ClientToServerEvents, ServerToClientEvents>()` and on the client's
 * `Socket<ServerToClientEvents, ClientToServerEvents>`.
 *
 * How a session goes:
 * 1. The client connects with {@link HandshakeAuth} (`auth: { v, since?, epoch?, event?, view?, role? }`).
 *    A wrong `v` is refused with a `connect_error` whose `data` is a {@link ProtocolError}
 *    with code `VERSION_MISMATCH` ("reload the page").
 * 2. The server brings it up to date: either binary `mosaic:snapshot` (and possibly some
 *    `tiles:changed` batches after it), or, when it still holds every change after `since`
 *    and `epoch` is the mosaic's own, only those changes as `tiles:changed` batches. A
 *    `since` from another epoch (the mosaic was started afresh) always gets a snapshot.
 *    Then `session:synced` tells the mode, the sequence number the client is now at and
 *    the mosaic's epoch.
 * 3. Live changes follow, batched and binary: `tiles:changed` (placed / moved / removed
 *    records, see {@link encodeChanges}) and `mosaic:grown` (a whole re-layout, see
 *    {@link encodeFrame}). Every change carries the next sequence number; a client applies
 *    them with {@link LiveMosaic}, which reports gaps and drops duplicates.
 * 4. On any disconnect the client reconnects with `auth.since` = the last seq it applied
 *    and `auth.epoch` = the epoch of its last `session:synced`.
 *
 * Pure TypeScript: no I/O, no Node or DOM APIs.
 */

export * from './protocolChanges.ts';
export * from './protocolFrame.ts';
export * from './protocolState.ts';
export * from './rally.ts';

import type { BinaryLike } from './protocolChanges.ts';

/** Bumped on every incompatible change of the events, payloads or binary layouts. */
export const PROTOCOL_VERSION = 1;

/** What a client sends as Socket.IO `auth` at the handshake. */
export interface HandshakeAuth {
  /** Must equal {@link PROTOCOL_VERSION}. */
  v: number;
  /** The last sequence number this client applied; omitted on a first visit. */
  since?: number;
  /**
   * The epoch of the mosaic that `since` counts in (from `session:synced` or the snapshot's
   * `X-Mosaic-Epoch`). A mosaic started afresh has another epoch, and a `since` from an older
   * one gets a snapshot, never a replay of someone else's changes.
   */
  epoch?: number;
  /** A rally code (`london`) to follow for its counter and highlights; canonical, see {@link isEventCode}. */
  event?: string;
  /**
   * How the client holds the mosaic. `cells` (the default): every cell, so it gets whole
   * frames. `regions`: only blocks of cells over the colour pyramid (see shared/viewStart.ts),
   * so it never gets a whole frame: a growth, or a `since` too old to replay, sends a frame
   * with the new geometry and seq and no tiles, and the client loads the view start again.
   */
  view?: 'cells' | 'regions';
  /**
   * What shows the mosaic: `viewer` (the default, a person's page) or `screen` (a rally's big
   * screen). Counts only: the console shows viewers and screens online per rally.
   */
  role?: LiveRole;
}

/** What a live connection shows the mosaic on (see {@link HandshakeAuth.role}). */
export type LiveRole = 'viewer' | 'screen';

/** The Socket.IO room name of a rally: `event:london`. */
export function eventRoom(code: string): string {
  return `event:${code}`;
}

/** Every error code the live layer gives, as a handshake `connect_error` or in a {@link Reply}. */
export const ErrorCode = {
  /** The page is older or newer than the server: reload the page. */
  VERSION_MISMATCH: 'VERSION_MISMATCH',
  /** A payload or `auth` field had the wrong shape. */
  MALFORMED: 'MALFORMED',
  /** The rally code is well-formed but the server does not know it. */
  UNKNOWN_EVENT: 'UNKNOWN_EVENT',
  /** The client sent an event name the server does not handle. */
  UNKNOWN_REQUEST: 'UNKNOWN_REQUEST',
  /** Too many requests from one connection. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** Something failed on the server; the connection stays up. */
  INTERNAL: 'INTERNAL',
} as const;

/** One of {@link ErrorCode}'s values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A typed error: what `connect_error.data` holds and what a failed {@link Reply} carries. */
export interface ProtocolError {
  code: ErrorCode;
  message: string;
}

/** The answer to every request. */
export type Reply<T> = { ok: true; data: T } | { ok: false; error: ProtocolError };

/** How a client was brought up to date. */
export const SyncMode = {
  /** It got a whole `mosaic:snapshot`. */
  SNAPSHOT: 'snapshot',
  /** It got only the changes after its `since`. */
  REPLAY: 'replay',
} as const;

/** One of {@link SyncMode}'s values. */
export type SyncMode = (typeof SyncMode)[keyof typeof SyncMode];

/** Sent once the client holds everything up to `seq`; live changes follow. */
export interface SessionSynced {
  mode: SyncMode;
  /** The sequence number the client is at after the snapshot or replay. */
  seq: number;
  /** The rally this connection follows, or null. */
  event: string | null;
  /** The mosaic's epoch: send it back with `since` when reconnecting. */
  epoch: number;
}

/** A rally's live counter, sent to its room when it changes and on joining. */
export interface EventStats {
  event: string;
  /** Tiles from this rally in the mosaic now. */
  tiles: number;
  /** Connections following this rally now. */
  viewers: number;
  /** Tiles in the whole mosaic now. */
  total: number;
  /** The mosaic's sequence number when counted. */
  seq: number;
}

/** Tiles from a rally that just landed, for an event screen to highlight. */
export interface EventHighlight {
  event: string;
  /** Ids of the tiles, in placement order. */
  ids: number[];
}

/** Broadcasts and answers from the server, named in the past tense. */
export interface ServerToClientEvents {
  /** The whole mosaic, see {@link encodeFrame} (kind `snapshot`). */
  'mosaic:snapshot': (frame: BinaryLike) => void;
  /** A batch of placed / moved / removed records, see {@link encodeChanges}. */
  'tiles:changed': (batch: BinaryLike) => void;
  /** The grid grew and every tile moved, one change, see {@link encodeFrame} (kind `grown`). */
  'mosaic:grown': (frame: BinaryLike) => void;
  /** The client is up to date; live changes follow. */
  'session:synced': (info: SessionSynced) => void;
  /** The followed rally's counter. */
  'stats:updated': (stats: EventStats) => void;
  /** Tiles from the followed rally that just landed. */
  'tiles:highlighted': (highlight: EventHighlight) => void;
  /** A request the server could not take (unknown event name, malformed payload, no ack given). */
  'request:rejected': (error: ProtocolError & { request: string }) => void;
}

/** Requests from a client, named `entity:verb`. Every one takes an ack that gets a {@link Reply}. */
export interface ClientToServerEvents {
  /** Follow a rally (leaving any other): its room, counter and highlights. */
  'event:join': (code: string, ack: (reply: Reply<EventStats>) => void) => void;
  /** Stop following any rally. */
  'event:leave': (ack: (reply: Reply<null>) => void) => void;
  /**
   * Ask to be brought up to date again without reconnecting, e.g. after {@link LiveMosaic}
   * reported a gap. The server answers as at the handshake (replay or snapshot, then
   * `session:synced`) and acks with the same {@link SessionSynced}.
   */
  'mosaic:resync': (since: number | null, ack: (reply: Reply<SessionSynced>) => void) => void;
}

/** The names of every request, for validating unknown ones. */
export const CLIENT_REQUESTS: readonly (keyof ClientToServerEvents)[] = [
  'event:join',
  'event:leave',
  'mosaic:resync',
];

/** Socket.IO data kept per connection on the server (`socket.data`). */
export interface SocketData {
  /** The rally followed, or null. */
  event: string | null;
  /** How the client holds the mosaic (see {@link HandshakeAuth.view}). */
  view?: 'cells' | 'regions';
  /** A viewer's page or a rally's screen (see {@link HandshakeAuth.role}). */
  role?: LiveRole;
}
