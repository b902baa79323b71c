import { readdirSync, readFileSync } from 'node:fs';

/** Linux reports thread CPU in clock ticks of USER_HZ, 100 a second on every architecture Node runs on. */
const MS_PER_TICK = 10;

/** CPU time (user + system, ms) of this process's threads, split by what runs there. */
export interface ThreadCpu {
  /** The main thread: JavaScript, the event loop, the synchronous SQLite writes. */
  main: number;
  /**
   * Every other thread: libvips' workers (named `libvips worker`), where sharp decodes, resizes
   * and encodes, and Node's own (named `node`): the libuv pool that drives each sharp pipeline
   * and does the file writes, and V8's background threads for garbage collection and compiling (a few % of it under load).
   */
  image: number;
  /** The libvips workers alone. */
  libvips: number;
}

/** The CPU (ms) in one `/proc/<pid>/task/<tid>/stat`: its fields 14 and 15, utime and stime. */
function ticksOf(stat: string): number {
  // The name (field 2) is in parentheses and may hold spaces: count from after it.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * MS_PER_TICK;
}

/**
 * Reads each thread's CPU from /proc/self/task; null where there is no /proc (not Linux).
 * libvips keeps its workers for the life of the process, so their CPU stays counted here.
 */
export function readThreadCpu(): ThreadCpu | null {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return null;
  }
  const out: ThreadCpu = { main: 0, image: 0, libvips: 0 };
  for (const tid of tids) {
    let stat: string;
    let name: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
    } catch {
      continue; // The thread ended between the listing and the read.
    }
    const ms = ticksOf(stat);
    if (Number(tid) === process.pid) out.main += ms;
    else {
      out.image += ms;
      if (name === 'libvips worker') out.libvips += ms;
    }
  }
  return out;
}
