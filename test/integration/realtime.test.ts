import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeChanges, ErrorCode, type EventStats, PROTOCOL_VERSION } from '../../shared/protocol.ts';
import { expectSameState, refused, startServer, Viewer, type ViewerOptions } from './realtimeHarness.ts';

type Server = Awaited<ReturnType<typeof startServer>>;
let server: Server | undefined;
const viewers: Viewer[] = [];

async function boot(...args: Parameters<typeof startServer>): Promise<Server> {
  server = await startServer(...args);
  return server;
}
function viewer(url: string, opts: ViewerOptions = {}): Viewer {
  const v = new Viewer(url, opts);
  viewers.push(v);
  return v;
}

afterEach(async () => {
  for (const v of viewers.splice(0)) v.close();
  await server?.stop();
  server = undefined;
});

describe('realtime', () => {
  it('gives two viewers the same placement with the same seq', async () => {
    const { source, url } = await boot();
    source.place();
    const a = viewer(url);
    const b = viewer(url);
    await Promise.all([a.connect(), b.connect()]);
    const change = source.place({ rgb: [200, 100, 50], tint: { r: -30, g: 0, b: 40 } });
    await Promise.all([a.reach(change.seq), b.reach(change.seq)]);
    expect(a.seqs).toEqual([change.seq]);
    expect(b.seqs).toEqual([change.seq]);
    const cell = change.type === 'placed' ? change.row * 20 + change.col : -1;
    expect(a.arrived).toEqual([cell]);
    expect(b.arrived).toEqual([cell]);
    expectSameState(a.mosaic, source.snapshot());
    expectSameState(b.mosaic, source.snapshot());
    expect(a.problems).toEqual([]);
  });

  it('sends what lands in one window as one binary batch', async () => {
    const { source, url } = await boot({ windowMs: 50 });
    const a = viewer(url);
    await a.connect();
    const batches: number[][] = [];
    a.socket.on('tiles:changed', (b) => batches.push(decodeChanges(b).map((c) => c.seq)));
    for (let i = 0; i < 10; i++) source.place();
    await a.reach(source.seq);
    expect(batches).toEqual([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]);
  });

  it('replays exactly the 50 changes a disconnected viewer missed', async () => {
    const { source, url } = await boot();
    for (let i = 0; i < 5; i++) source.place();
    const a = viewer(url);
    expect((await a.connect()).mode).toBe('snapshot');
    a.disconnect();
    for (let i = 0; i < 48; i++) source.place();
    source.move(1, 19, 19);
    source.remove(2);
    const before = a.seqs.length;
    const synced = await a.connect();
    expect(synced).toMatchObject({ mode: 'replay', seq: 55 });
    await a.reach(55);
    expect(a.seqs.slice(before)).toEqual(Array.from({ length: 50 }, (_, i) => 6 + i));
    expect(a.problems).toEqual([]);
    expectSameState(a.mosaic, source.snapshot());
  });

  it("never replays another mosaic's changes to a since from an older epoch", async () => {
    const { source, url } = await boot();
    for (let i = 0; i < 5; i++) source.place();
    const a = viewer(url);
    const first = await a.connect();
    expect(first).toMatchObject({ mode: 'snapshot', seq: 5, epoch: 1 });
    a.disconnect();
    source.place();
    // The same epoch: only the change after its since.
    expect(await a.connect()).toMatchObject({ mode: 'replay', seq: 6 });
    a.disconnect();
    // The data folder was wiped and a new mosaic counted past the viewer's since: a snapshot.
    source.epoch = 2;
    source.place();
    const synced = await a.connect();
    expect(synced).toMatchObject({ mode: 'snapshot', seq: 7, epoch: 2 });
    expectSameState(a.mosaic, source.snapshot());
  });

  it('sends a snapshot to a viewer away longer than the history holds', async () => {
    const { source, url } = await boot({ historyRecords: 16 });
    const a = viewer(url);
    await a.connect();
    a.disconnect();
    for (let i = 0; i < 50; i++) source.place();
    const synced = await a.connect();
    expect(synced).toMatchObject({ mode: 'snapshot', seq: 50 });
    expect(a.events.filter((e) => e === 'mosaic:snapshot')).toHaveLength(2);
    expectSameState(a.mosaic, source.snapshot());
  });

  it('sends a growth as one change and a removal as another', async () => {
    const { source, url } = await boot({}, 4, 4);
    for (let i = 0; i < 16; i++) source.place();
    const a = viewer(url);
    await a.connect();
    const grown = source.grow(8, 6);
    await a.reach(grown.seq);
    const removed = source.remove(3);
    await a.reach(removed.seq);
    expect(a.seqs).toEqual([grown.seq, removed.seq]);
    expect(a.events.filter((e) => e === 'mosaic:grown')).toHaveLength(1);
    expect(a.mosaic.cellOfTile(3)).toBeUndefined();
    expectSameState(a.mosaic, source.snapshot());
  });

  it('replays a viewer that was away across a growth from a snapshot', async () => {
    const { source, url } = await boot({}, 2, 2);
    const a = viewer(url);
    await a.connect();
    a.disconnect();
    for (let i = 0; i < 4; i++) source.place();
    source.grow(3, 3);
    source.place();
    expect((await a.connect()).mode).toBe('snapshot');
    expectSameState(a.mosaic, source.snapshot());
  });

  it('a viewer that misses a batch resyncs from its seq and ends at the same state', async () => {
    const { source, url } = await boot();
    for (let i = 0; i < 3; i++) source.place();
    const a = viewer(url);
    await a.connect();
    a.drop('tiles:changed');
    source.place();
    await vi.waitFor(() => expect(a.events).toContain('tiles:changed'));
    const next = source.place();
    await a.reach(next.seq);
    // The gap was seen once, and mended by a replay of what was missed, not a snapshot.
    expect(a.problems).toHaveLength(1);
    expect(JSON.parse(a.problems[0]!)).toMatchObject({ status: 'gap', expected: 4, got: 5 });
    expect(a.events.filter((e) => e === 'mosaic:snapshot')).toHaveLength(1);
    expect(a.synced.map((s) => s.mode)).toEqual(['snapshot', 'replay']);
    expectSameState(a.mosaic, source.snapshot());
  });

  it('resyncs on request without reconnecting', async () => {
    const { source, url } = await boot();
    const a = viewer(url);
    await a.connect();
    source.place();
    await a.reach(1);
    const reply = await a.socket.emitWithAck('mosaic:resync', 0);
    expect(reply).toEqual({ ok: true, data: { mode: 'replay', seq: 1, event: null, epoch: 1 } });
    expect(a.problems).toHaveLength(1); // the replayed change is a duplicate, and it was noticed
  });

  it.each([
    [{ v: PROTOCOL_VERSION + 1 }, ErrorCode.VERSION_MISMATCH, /reload the page/],
    [{}, ErrorCode.VERSION_MISMATCH, /reload the page/],
    [{ v: PROTOCOL_VERSION, since: -1 }, ErrorCode.MALFORMED, /since/],
    [{ v: PROTOCOL_VERSION, since: 3, epoch: 'x' }, ErrorCode.MALFORMED, /epoch/],
    [{ v: PROTOCOL_VERSION, event: 'Not A Code' }, ErrorCode.MALFORMED, /rally code/],
    [{ v: PROTOCOL_VERSION, event: 'atlantis' }, ErrorCode.UNKNOWN_EVENT, /atlantis/],
  ])('refuses the handshake %j with %s', async (auth, code, message) => {
    const { source, url } = await boot();
    source.events = new Set(['london']);
    const err = await refused(url, auth);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  });

  it('gives a rally room its counter and highlights', async () => {
    const { source, url } = await boot();
    source.events = new Set(['london', 'paris']);
    source.place({ event: 'london' });
    const screen = viewer(url, { event: 'london' });
    const stats: EventStats[] = [];
    const highlights: number[][] = [];
    const first = new Promise<EventStats>((resolve) => {
      screen.connect();
      screen.socket.on('stats:updated', (s) => stats.push(s));
      screen.socket.on('tiles:highlighted', (h) => highlights.push(h.ids));
      screen.socket.once('stats:updated', resolve);
    });
    expect(await first).toMatchObject({ event: 'london', tiles: 1, viewers: 1, total: 1 });
    const paris = source.place({ event: 'paris' });
    const london = source.place({ event: 'london' });
    await screen.reach(london.seq);
    await vi.waitFor(() => expect(stats.at(-1)).toMatchObject({ tiles: 2, total: 3 }));
    expect(highlights.flat()).toEqual([(london as { id: number }).id]);
    expect(highlights.flat()).not.toContain((paris as { id: number }).id);
    const left = await screen.socket.emitWithAck('event:leave');
    expect(left).toEqual({ ok: true, data: null });
    const joined = await screen.socket.emitWithAck('event:join', 'paris');
    expect(joined).toMatchObject({ ok: true, data: { event: 'paris', tiles: 1, viewers: 1 } });
  });

  it('answers bad requests with typed errors and keeps serving', async () => {
    const { source, url } = await boot();
    source.events = new Set(['london']);
    const a = viewer(url);
    await a.connect();
    const rejected = new Promise((resolve) => a.socket.once('request:rejected', resolve));
    (a.socket as unknown as { emit(name: string, ...args: unknown[]): void }).emit('tiles:delete', 1);
    expect(await rejected).toMatchObject({ code: ErrorCode.UNKNOWN_REQUEST, request: 'tiles:delete' });
    expect(await a.socket.emitWithAck('event:join', 42 as unknown as string)).toMatchObject({
      ok: false,
      error: { code: ErrorCode.MALFORMED },
    });
    expect(await a.socket.emitWithAck('event:join', 'atlantis')).toMatchObject({
      ok: false,
      error: { code: ErrorCode.UNKNOWN_EVENT },
    });
    expect(await a.socket.emitWithAck('mosaic:resync', 'x' as unknown as number)).toMatchObject({
      ok: false,
      error: { code: ErrorCode.MALFORMED },
    });
    source.place();
    await a.reach(source.seq);
  });

  it('drops a client that sends more than maxHttpBufferSize, and no one else', async () => {
    const { source, url } = await boot({ maxHttpBufferSize: 1024 });
    const a = viewer(url);
    const b = viewer(url);
    await Promise.all([a.connect(), b.connect()]);
    const gone = new Promise((resolve) => a.socket.once('disconnect', resolve));
    a.socket.emit('event:join', 'x'.repeat(4000), () => {});
    await gone;
    source.place();
    await b.reach(source.seq);
  });

  it('survives a client that sends a packet Socket.IO cannot parse', async () => {
    const { source, url } = await boot();
    const a = viewer(url);
    const b = viewer(url);
    await Promise.all([a.connect(), b.connect()]);
    const gone = new Promise((resolve) => a.socket.once('disconnect', resolve));
    (a.socket.io.engine as unknown as { send(data: string): void }).send('2["not","a","valid packet"');
    await gone;
    source.place();
    await b.reach(source.seq);
  });

  it('rate-limits a chatty client', async () => {
    const { url } = await boot({ requestBurst: 3, requestsPerSecond: 0 });
    const a = viewer(url);
    await a.connect();
    const replies = [];
    for (let i = 0; i < 5; i++) replies.push(await a.socket.emitWithAck('event:leave'));
    expect(replies.map((r) => r.ok)).toEqual([true, true, true, false, false]);
    expect(replies[4]).toMatchObject({ error: { code: ErrorCode.RATE_LIMITED } });
  });
});
