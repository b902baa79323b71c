import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { HeicAnswer, HeicAsk } from './heicDecode.ts';

/** The defaults of {@link HeicDecoderOptions}. */
const IDLE_MS = 30_000;
const DECODE_MS = 30_000;

const WORKER = new URL('./heicWorker.ts', import.meta.url).href;
/**
 * The worker's source (an eval'd script): it loads heicWorker.ts. The server runs its TypeScript
 * through tsx, whose loader a worker thread does not inherit.
 */
export const HEIC_WORKER_BOOT = `import('tsx/esm/api').then((api) => api.tsImport(${JSON.stringify(WORKER)}, ${JSON.stringify(import.meta.url)}))`;

/**
 * How many HEIC photos are decoded at once when HEIC_WORKERS is unset: one core fewer than the
 * machine has, so that one stays for the live server, and at most 4 (each worker keeps
 * libheif's WebAssembly memory, which grows to the largest photo it decoded, until it idles).
 * 1 on a 2-core machine.
 */
export function defaultHeicWorkers(cores = availableParallelism()): number {
  return Math.max(1, Math.min(4, cores - 1));
}

/** What a decoder runs and how long it waits. */
export interface HeicDecoderOptions {
  /** The worker's source, run as an eval'd script. */
  boot: string;
  /** A decode that takes longer is given up (its worker is stopped) and the file refused. */
  decodeMs: number;
  /** A worker with nothing to do goes after this long, giving back libheif's memory. */
  idleMs: number;
  /** Worker threads, each decoding one photo at a time (1 unless given). */
  workers?: number;
}

/** The server's decoder, one worker unless told. */
const SERVER_DECODER: HeicDecoderOptions = { boot: HEIC_WORKER_BOOT, decodeMs: DECODE_MS, idleMs: IDLE_MS };

interface Task {
  ask: HeicAsk;
  resolve: (a: HeicAnswer) => void;
}

/** One worker thread and the photo it is on. */
interface Slot {
  worker: Worker | null;
  current: Task | null;
  deadline: NodeJS.Timeout | null;
  idle: NodeJS.Timeout | null;
}

/**
 * Worker threads, one photo at a time each: libvips here reads no HEIC (no HEVC decoder), and
 * libheif's WebAssembly decode of a 12 MP photo takes most of a second of one core. Photos
 * beyond the workers wait their turn, so however many arrive together, the cores the workers
 * leave stay for the live server.
 */
export class HeicDecoder {
  private readonly queue: Task[] = [];
  private readonly slots: Slot[];

  constructor(private readonly opts: HeicDecoderOptions = SERVER_DECODER) {
    const n = Math.max(1, Math.floor(opts.workers ?? 1));
    this.slots = Array.from({ length: n }, () => ({
      worker: null,
      current: null,
      deadline: null,
      idle: null,
    }));
  }

  decode(ask: HeicAsk): Promise<HeicAnswer> {
    return new Promise((resolve) => {
      this.queue.push({ ask, resolve });
      // A free worker already started, else a free slot: no thread starts while one waits idle.
      const free = this.slots.filter((slot) => !slot.current);
      const slot = free.find((f) => f.worker) ?? free[0];
      if (slot) this.next(slot);
    });
  }

  private next(slot: Slot): void {
    if (slot.current) return;
    const task = this.queue.shift();
    if (!task) {
      // Idle: the worker alone never keeps the process running.
      slot.worker?.unref();
      slot.idle ??= setTimeout(() => this.stop(slot), this.opts.idleMs).unref();
      return;
    }
    if (slot.idle) clearTimeout(slot.idle);
    slot.idle = null;
    slot.current = task;
    const worker = this.start(slot);
    // A photo in hand keeps the process running until it is answered.
    worker.ref();
    slot.deadline = setTimeout(() => this.fail(slot, worker), this.opts.decodeMs).unref();
    worker.postMessage(task.ask);
  }

  private start(slot: Slot): Worker {
    if (slot.worker) return slot.worker;
    const worker = new Worker(this.opts.boot, { eval: true });
    // A worker given up (past its deadline) may still answer: that answer is not the next photo's.
    worker.on('message', (answer: HeicAnswer) => {
      if (slot.worker === worker) this.done(slot, answer);
    });
    // A crash (out of memory on a hostile file, say) refuses the photo it was on; the next starts afresh.
    worker.on('error', () => this.fail(slot, worker));
    worker.on('exit', () => this.fail(slot, worker));
    slot.worker = worker;
    return worker;
  }

  private done(slot: Slot, answer: HeicAnswer): void {
    const task = slot.current;
    if (slot.deadline) clearTimeout(slot.deadline);
    slot.current = null;
    task?.resolve(answer);
    this.next(slot);
  }

  private fail(slot: Slot, worker: Worker): void {
    if (slot.worker !== worker) return;
    slot.worker = null;
    void worker.terminate();
    if (slot.current) this.done(slot, { ok: false, reason: 'corrupt' });
  }

  private stop(slot: Slot): void {
    slot.idle = null;
    if (slot.worker && !slot.current) {
      const w = slot.worker;
      slot.worker = null;
      void w.terminate();
    }
  }
}

let decoder: HeicDecoder | null = null;
let workers = defaultHeicWorkers();

/**
 * How many HEIC photos the server decodes at once (HEIC_WORKERS), set at start. Photos already
 * handed to the decoder before a change finish there; its workers then idle out.
 */
export function setHeicWorkers(n: number): void {
  if (n === workers) return;
  workers = n;
  decoder = null;
}

/**
 * Decodes a HEIC photo off the event loop, to no less than twice `side` on its shorter side;
 * answers the size alone when it has more than `maxPixels`.
 */
export function decodeHeic(buf: Buffer, maxPixels: number, side: number): Promise<HeicAnswer> {
  decoder ??= new HeicDecoder({ ...SERVER_DECODER, workers });
  return decoder.decode({ buf, maxPixels, side });
}
