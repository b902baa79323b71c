import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TileSize } from '../../shared/httpApi.ts';
import { HASHTAG } from '../../shared/print.ts';
import { type TimelapseJob, timelapseLayout } from '../../shared/timelapse.ts';
import type { MosaicPort } from '../core/port.ts';
import { AppError } from '../errors.ts';
import { dimmedTarget } from '../ingest/compose.ts';
import { ffmpegPath } from '../ingest/encoder.ts';
import type { Target } from '../ingest/target.ts';
import type { ToParent, ToWorker } from '../ingest/timelapseIpc.ts';
import { type FramePlan, indexOf, listPlan, logPlan, type ReplaySource } from './timelapsePlan.ts';
import { selectTimelapseTiles, type TimelapseParams } from './timelapseTiles.ts';

const WORKER = join(import.meta.dirname, '../ingest/timelapseWorker.ts');
const ROOT = join(import.meta.dirname, '../..');
const MAX_QUEUED = 5;
const MAX_KEPT = 10;

interface Job {
  view: TimelapseJob;
  params: TimelapseParams;
  child: ChildProcess | null;
  /** The tiles of the video being made or finished, ascending ids (to tell when a delete makes it stale). */
  ids: Uint32Array | null;
  /** A tile in it was removed: the file is gone (or goes when the render ends); the next request makes it again. */
  stale: boolean;
}

/**
 * Timelapse videos as background jobs, one at a time in arrival order, each rendered by a
 * child process at the lowest priority. State lives here (not in a page), so an admin page
 * that reloads finds its job again. A finished file is `<dir>/<id>.mp4`, written as
 * `<id>.mp4.part` and renamed when complete: a cancelled or failed job leaves nothing.
 */
export class TimelapseJobs {
  private readonly jobs = new Map<string, Job>();
  private running: Job | null = null;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly service: MosaicPort,
    private readonly target: Target,
    private readonly dir: string,
    /** The change log to replay (a cluster's); without one, tiles are drawn at their final cells. */
    private readonly openLog?: () => Promise<ReplaySource>,
  ) {
    // Jobs do not outlive the process, so neither do their files.
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    this.unsubscribe = service.live.subscribe((changes) => {
      const gone = changes.flatMap((c) => (c.type === 'removed' ? [c.id] : []));
      if (gone.length) this.invalidate(gone);
    });
  }

  /** Queues a video; throws 503 without an encoder, 429 when the queue is full. */
  start(params: TimelapseParams): TimelapseJob {
    if (!ffmpegPath())
      throw new AppError(503, 'ENCODER_UNAVAILABLE', 'No ffmpeg for this platform; set FFMPEG_PATH to one.');
    const queued = [...this.jobs.values()].filter((j) => j.view.state === 'queued').length;
    if (queued >= MAX_QUEUED)
      throw new AppError(429, 'RATE_LIMITED', `${MAX_QUEUED} videos are already waiting; try again later.`, {
        'Retry-After': '60',
      });
    const { width, height, seconds, fps } = params;
    const view: TimelapseJob = {
      id: randomUUID(),
      state: 'queued',
      progress: 0,
      width,
      height,
      seconds,
      fps,
      event: params.event ?? null,
      createdAt: new Date().toISOString(),
    };
    this.jobs.set(view.id, { view, params, child: null, ids: null, stale: false });
    this.prune();
    this.pump();
    return { ...view };
  }

  /** A job as it stands; a finished video made stale by a delete is queued again now. */
  get(id: string): TimelapseJob {
    const job = this.find(id);
    if (job.stale && job.view.state === 'done') this.requeue(job);
    return { ...job.view };
  }

  list(): TimelapseJob[] {
    return [...this.jobs.keys()].map((id) => this.get(id));
  }

  /** Cancels a waiting or running job; a finished one is forgotten and its file removed. */
  cancel(id: string): TimelapseJob {
    const job = this.find(id);
    if (job.view.state === 'queued' || job.view.state === 'running') {
      job.view.state = 'cancelled';
      job.child?.kill('SIGTERM');
      // Again once the renderer has exited (run() does it), in case its ffmpeg had not opened the file yet.
      this.remove(id);
    } else {
      this.jobs.delete(id);
      this.remove(id);
    }
    return { ...job.view };
  }

  /** The finished file; throws 404 before it is done, 409 when a delete made it stale (and queues it again). */
  file(id: string): string {
    const job = this.find(id);
    if (job.stale && job.view.state === 'done') {
      this.requeue(job);
      throw new AppError(409, 'VIDEO_STALE', 'A tile in this video was removed; it is being made again.');
    }
    if (job.view.state !== 'done') throw new AppError(404, 'NOT_FOUND', 'This video is not ready.');
    return join(this.dir, `${id}.mp4`);
  }

  close(): void {
    this.unsubscribe();
    for (const job of this.jobs.values()) job.child?.kill('SIGTERM');
    this.jobs.clear();
  }

  private find(id: string): Job {
    const job = this.jobs.get(id);
    if (!job)
      throw new AppError(404, 'NOT_FOUND', 'There is no such job (jobs end when the server restarts).');
    return job;
  }

  private requeue(job: Job): void {
    job.stale = false;
    job.ids = null;
    Object.assign(job.view, { state: 'queued', progress: 0, url: undefined, error: undefined });
    this.pump();
  }

  /**
   * Marks videos that hold a removed tile: a finished one's file goes now, a running one's when
   * its render ends (it may have drawn the tile already); either is made again on request.
   */
  private invalidate(gone: number[]): void {
    for (const job of this.jobs.values()) {
      const ids = job.ids;
      if (!ids || !gone.some((id) => indexOf(ids, id) >= 0)) continue;
      job.stale = true;
      if (job.view.state === 'done') this.remove(job.view.id);
    }
  }

  private remove(id: string): void {
    rmSync(join(this.dir, `${id}.mp4`), { force: true });
    rmSync(join(this.dir, `${id}.mp4.part`), { force: true });
  }

  /** Keeps the newest finished jobs only. */
  private prune(): void {
    const done = [...this.jobs.values()].filter((j) => !['queued', 'running'].includes(j.view.state));
    for (const j of done.slice(0, Math.max(0, done.length - MAX_KEPT))) {
      this.jobs.delete(j.view.id);
      this.remove(j.view.id);
    }
  }

  private pump(): void {
    if (this.running) return;
    const next = [...this.jobs.values()].find((j) => j.view.state === 'queued');
    if (!next) return;
    this.running = next;
    this.run(next)
      .catch((err: unknown) => {
        if (next.view.state === 'running') {
          next.view.state = 'failed';
          next.view.error = err instanceof Error ? err.message : String(err);
        }
        this.remove(next.view.id);
      })
      .finally(() => {
        next.child = null;
        this.running = null;
        this.pump();
      });
  }

  private async run(job: Job): Promise<void> {
    const { view, params } = job;
    view.state = 'running';
    const s = this.service;
    const picked = selectTimelapseTiles(s, params);
    job.ids = picked.ids;
    const frames = Math.round(params.seconds * params.fps);
    const plan: FramePlan = this.openLog
      ? logPlan(await this.openLog(), picked.ids, frames, alreadyCount(s, picked.ids, params.from))
      : listPlan(picked, frames, s.cols, s.rows);
    try {
      await this.render(job, plan, frames);
    } finally {
      await plan.close();
    }
  }

  private async render(job: Job, plan: FramePlan, frames: number): Promise<void> {
    const { view, params } = job;
    const s = this.service;
    if (view.state !== 'running') return;
    const part = join(this.dir, `${view.id}.mp4.part`);
    const child = fork(WORKER, [], {
      cwd: ROOT,
      execArgv: ['--import', 'tsx'],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    job.child = child;
    const start: ToWorker = {
      type: 'start',
      spec: {
        ...{ width: params.width, height: params.height, fps: params.fps, frames },
        text: { hashtag: HASHTAG, lang: params.lang },
        ...{ ffmpeg: ffmpegPath()!, out: part },
      },
    };
    const step = async (f: number): Promise<ToWorker> => {
      const next = await plan.next(f);
      if (!next.grid) return { type: 'step', step: next };
      const m = timelapseLayout(params.width, params.height, next.grid.cols, next.grid.rows).mosaic;
      return { type: 'step', step: next, background: await dimmedTarget(this.target, m.width, m.height) };
    };
    let failure = '';
    child.on('message', (m: ToParent) => {
      if (m.type === 'ready') child.send(start);
      else if (m.type === 'progress') view.progress = Math.max(view.progress, Math.min(0.99, m.value));
      else if (m.type === 'error') failure = m.message;
      else if (m.type === 'step')
        step(m.frame).then(
          (reply) => {
            if (child.connected) child.send(reply);
          },
          (e: unknown) => {
            failure ||= `the change log could not be read: ${e instanceof Error ? e.message : String(e)}`;
            child.kill('SIGTERM');
          },
        );
      else if (m.type === 'need')
        void Promise.all(m.ids.map((id) => fileForRenderer(s, id, m.size))).then((got) => {
          if (child.connected)
            child.send({
              type: 'files',
              files: got.map((g) => g.data),
              raw: got.map((g) => g.raw),
            } satisfies ToWorker);
        });
    });
    const code = await new Promise<number | null>((resolve) => {
      child.on('error', (e) => {
        failure ||= e.message;
        resolve(null);
      });
      child.on('exit', (c) => resolve(c));
    });
    if (view.state !== 'running') {
      this.remove(view.id);
      return;
    }
    if (code !== 0) throw new Error(failure || `the renderer stopped (exit ${code})`);
    if (job.stale) rmSync(part, { force: true });
    else renameSync(part, join(this.dir, `${view.id}.mp4`));
    Object.assign(view, { state: 'done', progress: 1, url: `/api/admin/jobs/${view.id}/video.mp4` });
  }
}

/**
 * A tile's image for the renderer: at 32 px its raw pixels where the tile keeps them (drawn
 * without a decode), else the stored WebP; null data for a tile gone.
 */
async function fileForRenderer(
  s: MosaicPort,
  id: number,
  size: TileSize,
): Promise<{ data: Buffer | null; raw: boolean }> {
  if (size === 32) {
    const raw = await s.readRgb32(id).catch(() => null);
    if (raw) return { data: raw, raw: true };
  }
  return { data: await s.readFile(id, size).catch(() => null), raw: false };
}

/** How many of the video's tiles arrived before `from` (they are there from the first frame). */
function alreadyCount(s: MosaicPort, ids: Uint32Array, from: number | undefined): number {
  if (from === undefined) return 0;
  let n = 0;
  for (const id of ids) if ((s.get(id)?.createdAt ?? from) < from) n++;
  return n;
}
