/**
 * The admin page's timelapse section: choose a size, a length and optionally one rally (its
 * code offered from the registry), start the video, follow it with a real progress bar,
 * cancel it, download it. The job lives on the server, so a reloaded page picks up the newest
 * one where it stands, and a page that loses the server for a while (venue Wi-Fi) says so and
 * follows the job again once it can reach it.
 */
import {
  TIMELAPSE_LIMITS,
  TIMELAPSE_PRESETS,
  type TimelapseJob,
  type TimelapsePreset,
} from '../../shared/timelapse.ts';
import { language, sayIn, t, withValues } from '../i18n/index.ts';
import { cancelJob, getJob, getJobs, getVideo, startTimelapse, unreachable } from '../net/admin.ts';
import { ApiError } from '../net/api.ts';
import { backOnline } from '../net/online.ts';
import { adminErrorText, isUnauthorized, rallyField, say } from './adminMessages.ts';
import type { AdminSession } from './adminQueue.ts';
import { byId } from './header.ts';

const POLL_MS = 500;
/** How often the page asks again while the server cannot be reached. */
const RECONNECT_MS = 3_000;

/** Wires the section; `open()` after sign-in finds the newest job, `close()` on sign-out. */
export function mountTimelapse(session: AdminSession): { open(): Promise<void>; close(): void } {
  const form = byId<HTMLFormElement>('video-form');
  const bar = byId<HTMLProgressElement>('video-progress');
  const msg = byId('video-msg');
  const cancel = byId<HTMLButtonElement>('video-cancel');
  const link = byId<HTMLAnchorElement>('video-download');
  const start = byId<HTMLButtonElement>('video-start');
  const length = byId<HTMLInputElement>('video-seconds');
  // As long a video, and of the sizes, that the route makes.
  const { minSeconds: min, maxSeconds: max } = TIMELAPSE_LIMITS;
  length.min = String(min);
  length.max = String(max);
  withValues(length.labels![0]!.querySelector('[data-i18n]')!, { min, max });
  for (const [name, { width, height }] of Object.entries(TIMELAPSE_PRESETS)) {
    const label = form.querySelector(`input[name="video-preset"][value="${name}"] + [data-i18n]`);
    // As plain figures: 1080, not 1,080.
    if (label instanceof HTMLElement) withValues(label, { w: String(width), h: String(height) });
  }
  let job: TimelapseJob | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let blobUrl: string | null = null;

  const fail = (err: unknown) => {
    if (isUnauthorized(err)) session.refused(err);
    else if (err instanceof ApiError && err.code === 'ENCODER_UNAVAILABLE')
      say(msg, () => t('error.ENCODER_UNAVAILABLE'), true);
    else say(msg, () => adminErrorText(err), true);
  };

  const clearLink = () => {
    link.hidden = true;
    link.href = '#video-title';
    if (blobUrl) URL.revokeObjectURL(blobUrl);
    blobUrl = null;
  };

  function show(j: TimelapseJob): void {
    job = j;
    // A page opened later shows the job's own choices.
    for (const [name, size] of Object.entries(TIMELAPSE_PRESETS)) {
      const radio = form.querySelector<HTMLInputElement>(`input[name="video-preset"][value="${name}"]`);
      if (radio && size.width === j.width && size.height === j.height) radio.checked = true;
    }
    length.value = String(j.seconds);
    byId<HTMLInputElement>('video-rally').value = j.event ?? '';
    const active = j.state === 'queued' || j.state === 'running';
    const pct = Math.round(j.progress * 100);
    bar.hidden = false;
    bar.value = pct;
    bar.setAttribute('aria-valuenow', String(pct));
    bar.setAttribute('aria-valuetext', `${pct} %`);
    cancel.hidden = !active;
    start.disabled = active;
    if (j.state === 'queued') say(msg, () => t('admin.videoQueued'));
    else if (j.state === 'running') say(msg, () => t('admin.videoRunning', { p: pct }));
    else if (j.state === 'cancelled') say(msg, () => t('admin.videoCancelled'));
    else if (j.state === 'failed') say(msg, () => t('admin.videoFailed'), true);
    if (active) clearLink();
  }

  async function fetchVideo(j: TimelapseJob, token: string): Promise<void> {
    say(msg, () => t('admin.videoFetching'));
    try {
      const blob = await getVideo(token, j.url!);
      clearLink();
      blobUrl = URL.createObjectURL(blob);
      link.href = blobUrl;
      link.download = `kiss4lgbtqrights-${j.event ? `${j.event}-` : ''}${j.width}x${j.height}.mp4`;
      // Pixel sizes read as in the size choices (1080, not 1,080).
      sayIn(link, () => t('admin.videoDownload', { w: String(j.width), h: String(j.height) }));
      link.hidden = false;
      say(msg, () => t('admin.videoDone'));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'VIDEO_STALE') {
        say(msg, () => t('error.VIDEO_STALE'));
        schedule();
      } else if (unreachable(err)) await followAgain();
      else fail(err);
    }
  }

  function schedule(ms = POLL_MS): void {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void poll(), ms);
  }

  /**
   * The server could not be reached: the video goes on being made there, so the page says so
   * and asks again once the browser is online (every few seconds while the server is away).
   */
  async function followAgain(): Promise<void> {
    const following = job;
    say(msg, () => t('admin.videoReconnecting'));
    await backOnline();
    if (job === following) schedule(RECONNECT_MS);
  }

  async function poll(): Promise<void> {
    timer = null;
    const token = session.token();
    if (!token || !job) return;
    try {
      const j = await getJob(token, job.id);
      show(j);
      if (j.state === 'queued' || j.state === 'running') schedule();
      else if (j.state === 'done') await fetchVideo(j, token);
    } catch (err) {
      if (unreachable(err)) await followAgain();
      else fail(err);
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const token = session.token();
    if (!token) return;
    const preset = (new FormData(form).get('video-preset') ?? 'square') as TimelapsePreset;
    const seconds = Number(length.value);
    if (!(preset in TIMELAPSE_PRESETS) || !Number.isFinite(seconds)) return;
    const event = rallyField('video-rally', msg);
    if (event === undefined) return;
    clearLink();
    try {
      const id = await startTimelapse(token, {
        preset,
        seconds,
        lang: language(),
        ...(event ? { event } : {}),
      });
      show({
        id,
        state: 'queued',
        progress: 0,
        ...TIMELAPSE_PRESETS[preset],
        seconds,
        fps: 30,
        event,
        createdAt: '',
      });
      schedule();
    } catch (err) {
      fail(err);
    }
  });

  cancel.addEventListener('click', async () => {
    const token = session.token();
    if (!token || !job) return;
    try {
      show(await cancelJob(token, job.id));
      start.focus();
    } catch (err) {
      fail(err);
    }
  });

  return {
    async open() {
      const token = session.token();
      if (!token) return;
      try {
        const jobs = await getJobs(token);
        const latest = jobs.findLast((j) => j.state === 'queued' || j.state === 'running') ?? jobs.at(-1);
        if (latest) {
          show(latest);
          await poll();
        }
      } catch (err) {
        fail(err);
      }
    },
    close() {
      if (timer) clearTimeout(timer);
      timer = null;
      job = null;
      clearLink();
      bar.hidden = true;
      cancel.hidden = true;
      start.disabled = false;
      say(msg, null);
    },
  };
}
