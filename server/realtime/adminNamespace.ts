import type { Namespace } from 'socket.io';
import { ADMIN_PROTOCOL_VERSION, type AdminStats } from '../../shared/rallies.ts';
import { sameSecret } from '../safety/adminAuth.ts';
import type { LiveServer } from './LiveBroadcaster.ts';

/** The admin namespace's path on the same Socket.IO server as the viewers. */
export const ADMIN_NAMESPACE = '/admin';

/** An Error whose `data` reaches the client as `connect_error.data`. */
class Refused extends Error {
  readonly data: { code: string; message: string };
  constructor(code: string, message: string) {
    super(message);
    this.data = { code, message };
  }
}

/**
 * The console's live panel: `/admin`, behind `auth.token` = ADMIN_TOKEN and `auth.v` =
 * {@link ADMIN_PROTOCOL_VERSION} (a console from another build is told to reload). Each connection gets
 * `stats:updated` with {@link AdminStats} at once and then every `everyMs` while any is open.
 */
export function attachAdminStats(
  io: LiveServer,
  opts: {
    token: string | undefined;
    collect: () => Promise<AdminStats>;
    everyMs?: number;
    log?: (m: string, e: unknown) => void;
  },
): { close(): void } {
  const ns = io.of(ADMIN_NAMESPACE) as unknown as Namespace;
  const log = opts.log ?? ((m, e) => console.error(m, e));
  ns.use((socket, next) => {
    const { token: presented, v } = socket.handshake.auth as { token?: unknown; v?: unknown };
    if (!opts.token)
      next(new Refused('ADMIN_DISABLED', 'The admin API is off: the server has no ADMIN_TOKEN.'));
    else if (typeof presented !== 'string' || presented.length > 512 || !sameSecret(presented, opts.token))
      next(new Refused('UNAUTHORIZED', 'The admin token is wrong.'));
    // After the token, so that only an organiser learns which build the server runs.
    else if (v !== ADMIN_PROTOCOL_VERSION)
      next(
        new Refused(
          'VERSION_MISMATCH',
          `This console speaks admin protocol ${String(v ?? 'none')}, the server ${ADMIN_PROTOCOL_VERSION}: reload the page.`,
        ),
      );
    else next();
  });
  const send = async (to: { emit(ev: string, s: AdminStats): unknown }) => {
    try {
      to.emit('stats:updated', await opts.collect());
    } catch (e) {
      log('admin stats: could not collect', e);
    }
  };
  ns.on('connection', (socket) => void send(socket));
  const timer = setInterval(() => {
    if (ns.sockets.size > 0) void send(ns);
  }, opts.everyMs ?? 2000);
  timer.unref();
  return {
    close() {
      clearInterval(timer);
      ns.disconnectSockets(true);
    },
  };
}
