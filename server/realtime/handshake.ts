import {
  ErrorCode,
  isEventCode,
  type LiveRole,
  PROTOCOL_VERSION,
  type ProtocolError,
} from '../../shared/protocol.ts';

/** What a valid handshake asked for. */
export interface HandshakeRequest {
  since: number | null;
  /** The epoch `since` counts in, or null when the client did not say. */
  epoch: number | null;
  event: string | null;
  /** How the client holds the mosaic: every cell, or blocks of cells over the colour pyramid. */
  view: 'cells' | 'regions';
  /** A person's viewer page or a rally's screen. */
  role: LiveRole;
}

/** An Error whose `data` reaches the client as `connect_error.data`. */
export class HandshakeError extends Error {
  readonly data: ProtocolError;
  constructor(code: ProtocolError['code'], message: string) {
    super(message);
    this.data = { code, message };
  }
}

/** True for a sequence number a client may send: a non-negative safe u32. */
export function isSeq(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}

/**
 * Checks Socket.IO `auth` against the protocol. Throws a {@link HandshakeError}:
 * VERSION_MISMATCH ("reload the page"), MALFORMED, or UNKNOWN_EVENT when `knownEvent` says no.
 */
export function parseHandshake(auth: unknown, knownEvent?: (code: string) => boolean): HandshakeRequest {
  const a = (typeof auth === 'object' && auth !== null ? auth : {}) as Record<string, unknown>;
  if (a.v !== PROTOCOL_VERSION) {
    throw new HandshakeError(
      ErrorCode.VERSION_MISMATCH,
      `This page speaks protocol ${String(a.v ?? 'none')}, the server ${PROTOCOL_VERSION}: reload the page.`,
    );
  }
  if (a.since !== undefined && a.since !== null && !isSeq(a.since)) {
    throw new HandshakeError(ErrorCode.MALFORMED, 'auth.since must be a non-negative integer');
  }
  if (a.epoch !== undefined && a.epoch !== null && !isSeq(a.epoch)) {
    throw new HandshakeError(ErrorCode.MALFORMED, 'auth.epoch must be a non-negative integer');
  }
  if (a.event !== undefined && a.event !== null && !isEventCode(a.event)) {
    throw new HandshakeError(ErrorCode.MALFORMED, 'auth.event must be a rally code like "london"');
  }
  if (a.view !== undefined && a.view !== 'cells' && a.view !== 'regions') {
    throw new HandshakeError(ErrorCode.MALFORMED, 'auth.view must be "cells" or "regions"');
  }
  if (a.role !== undefined && a.role !== 'viewer' && a.role !== 'screen') {
    throw new HandshakeError(ErrorCode.MALFORMED, 'auth.role must be "viewer" or "screen"');
  }
  const event = (a.event as string | undefined) ?? null;
  if (event !== null && knownEvent && !safeKnown(knownEvent, event)) {
    throw new HandshakeError(ErrorCode.UNKNOWN_EVENT, `There is no rally "${event}".`);
  }
  return {
    since: (a.since as number | undefined) ?? null,
    epoch: (a.epoch as number | undefined) ?? null,
    event,
    view: a.view === 'regions' ? 'regions' : 'cells',
    role: a.role === 'screen' ? 'screen' : 'viewer',
  };
}

/** Asks the source whether a rally exists; a throwing source counts as "no". */
export function safeKnown(knownEvent: (code: string) => boolean, code: string): boolean {
  try {
    return knownEvent(code) === true;
  } catch {
    return false;
  }
}
