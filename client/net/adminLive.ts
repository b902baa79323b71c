/**
 * The console's live panel feed: the `/admin` Socket.IO namespace, behind the admin token.
 * It pushes {@link AdminStats} every few seconds while connected.
 */
import { io, type Socket } from 'socket.io-client';
import { ADMIN_PROTOCOL_VERSION, type AdminStats } from '../../shared/rallies.ts';
import { wireParser } from '../../shared/wire.ts';

/**
 * `refused`: the token is (the code says why); `outdated`: the server runs a newer build, and the
 * page must be reloaded. Neither is retried.
 */
export type AdminLiveStatus = 'connecting' | 'live' | 'reconnecting' | 'refused' | 'outdated';

export interface AdminLiveHandlers {
  stats(s: AdminStats): void;
  status?(s: AdminLiveStatus, code?: string): void;
}

export class AdminLive {
  private readonly socket: Socket;

  constructor(token: string, h: AdminLiveHandlers, opts: { url?: string } = {}) {
    this.socket = io(`${opts.url ?? ''}/admin`, {
      auth: { token, v: ADMIN_PROTOCOL_VERSION },
      parser: wireParser,
      transports: ['websocket', 'polling'],
      reconnectionDelayMax: 5000,
    });
    const s = this.socket;
    h.status?.('connecting');
    s.on('connect', () => h.status?.('live'));
    s.on('disconnect', () => h.status?.('reconnecting'));
    s.on('connect_error', (err) => {
      const code = (err as Error & { data?: { code?: string } }).data?.code;
      if (code === 'UNAUTHORIZED' || code === 'ADMIN_DISABLED') {
        // A refused token stays refused: no point retrying.
        s.disconnect();
        h.status?.('refused', code);
      } else if (code === 'VERSION_MISMATCH') {
        s.disconnect();
        h.status?.('outdated', code);
      } else h.status?.('reconnecting');
    });
    s.on('stats:updated', (st: AdminStats) => h.stats(st));
  }

  close(): void {
    this.socket.disconnect();
  }
}
