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

/** What a decoder runs and how long it waits. */
export interface HeicDecoderOptions {
  /** The worker's source, run as an eval'd script. */
  boot: string;
  /** A decode that takes longer is given up (its worker is stopped) and the file refused. */
  decodeMs: number;
  /** A worker with nothing to do goes after this long, giving back libheif's memory. */
  idleMs: number;
}

interface Task {
  ask: HeicAsk;
  resolve: (a: HeicAnswer) => void;
}

/**
 * One worker thread, one photo at a time: libvips here reads no HEIC (no HEVC decoder), and
 * libheif's WebAssembly decode of a 12 MP photo takes most of a second of one core. One at a
 * time keeps the other core for the live server however many arrive together.
 */
export class HeicDecoder {
  private worker: Worker | null = null;
  private readonly queue: Task[] = [];
  private current: Task | null = null;
  private idle: NodeJS.Timeout | null = null;
  private deadline: NodeJS.Timeout | null = null;

  constructor(
    private readonly opts: HeicDecoderOptions = {
      boot: HEIC_WORKER_BOOT,
      decodeMs: DECODE_MS,
      idleMs: IDLE_MS,
    },
  ) {}

  decode(ask: HeicAsk): Promise<HeicAnswer> {
    return new Promise((resolve) => {
      this.queue.push({ ask, resolve });
      this.next();
    });
  }

  private next(): void {
    if (this.current) return;
    const task = this.queue.shift();
    if (!task) {
      // Idle: the worker alone never keeps the process running.
      this.worker?.unref();
      this.idle ??= setTimeout(() => this.stop(), this.opts.idleMs).unref();
      return;
    }
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    this.current = task;
    const worker = this.start();
    // A photo in hand keeps the process running until it is answered.
    worker.ref();
    this.deadline = setTimeout(() => this.fail(worker), this.opts.decodeMs).unref();
    worker.postMessage(task.ask);
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.opts.boot, { eval: true });
    // A worker given up (past its deadline) may still answer: that answer is not the next photo's.
    worker.on('message', (answer: HeicAnswer) => {
      if (this.worker === worker) this.done(answer);
    });
    // A crash (out of memory on a hostile file, say) refuses the photo it was on; the next starts afresh.
    worker.on('error', () => this.fail(worker));
    worker.on('exit', () => this.fail(worker));
    this.worker = worker;
    return worker;
  }

  private done(answer: HeicAnswer): void {
    const task = this.current;
    if (this.deadline) clearTimeout(this.deadline);
    this.current = null;
    task?.resolve(answer);
    this.next();
  }

  private fail(worker: Worker): void {
    if (this.worker !== worker) return;
    this.worker = null;
    void worker.terminate();
    if (this.current) this.done({ ok: false, reason: 'corrupt' });
  }

  private stop(): void {
    this.idle = null;
    if (this.worker && !this.current) {
      const w = this.worker;
      this.worker = null;
      void w.terminate();
    }
  }
}

let decoder: HeicDecoder | null = null;

/**
 * Decodes a HEIC photo off the event loop, to no less than twice `side` on its shorter side;
 * answers the size alone when it has more than `maxPixels`.
 */
export function decodeHeic(buf: Buffer, maxPixels: number, side: number): Promise<HeicAnswer> {
  decoder ??= new HeicDecoder();
  return decoder.decode({ buf, maxPixels, side });
}
