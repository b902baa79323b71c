import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { ffmpegPath } from '../../server/ingest/encoder.ts';

const run = promisify(execFile);

/** The ffprobe that ships in the npm package @ffprobe-installer/ffprobe (a dev dependency). */
export const ffprobe = (createRequire(import.meta.url)('@ffprobe-installer/ffprobe') as { path: string })
  .path;

export interface VideoFacts {
  codec: string;
  pixFmt: string;
  width: number;
  height: number;
  /** Seconds. */
  duration: number;
  /** Frames counted by decoding them all. */
  frames: number;
  /** Whether the index (moov) comes before the media (mdat): "faststart", playable while it loads. */
  faststart: boolean;
}

/** What ffprobe reads in an MP4 file. */
export async function probeVideo(file: string, bytes: Buffer): Promise<VideoFacts> {
  const { stdout } = await run(ffprobe, [
    ...['-v', 'error', '-select_streams', 'v:0', '-count_frames'],
    ...['-show_entries', 'stream=codec_name,pix_fmt,width,height,nb_read_frames:format=duration'],
    ...['-of', 'json', file],
  ]);
  const j = JSON.parse(stdout) as {
    streams: { codec_name: string; pix_fmt: string; width: number; height: number; nb_read_frames: string }[];
    format: { duration: string };
  };
  const s = j.streams[0]!;
  return {
    codec: s.codec_name,
    pixFmt: s.pix_fmt,
    width: s.width,
    height: s.height,
    duration: Number(j.format.duration),
    frames: Number(s.nb_read_frames),
    faststart: bytes.indexOf('moov') >= 0 && bytes.indexOf('moov') < bytes.indexOf('mdat'),
  };
}

/** One frame (0-based) of a video as a PNG, decoded by the packaged ffmpeg. */
export async function videoFrame(file: string, index: number): Promise<Buffer> {
  const { stdout } = await run(
    ffmpegPath()!,
    [
      ...['-v', 'error', '-i', file, '-vf', `select=eq(n\\,${index})`, '-frames:v', '1'],
      ...['-f', 'image2pipe', '-vcodec', 'png', 'pipe:1'],
    ],
    { encoding: 'buffer', maxBuffer: 64 << 20 },
  );
  return stdout;
}
