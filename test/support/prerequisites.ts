/**
 * Vitest global setup: checks, before any test runs, that what the suite needs is here, and
 * stops with one line naming what is missing and the command that brings it, instead of a
 * stack trace per test. PostgreSQL and Redis are checked by a TCP connect (and a PING), so
 * the check needs no client package; `TEST_SKIP_SERVICES=1` skips those two.
 */
import { existsSync } from 'node:fs';
import { connect } from 'node:net';

const FIX = 'run `sudo bash scripts/test-all.sh` (installs and starts what the tests need, then runs them)';

/** Resolves with the first bytes the service answers to `send` (or '' once connected, when nothing is sent). */
function ask(port: number, send?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, timeout: 2000 });
    const done = (err: Error | null, answer = '') => {
      socket.destroy();
      if (err) reject(err);
      else resolve(answer);
    };
    socket.once('connect', () => (send === undefined ? done(null) : socket.write(send)));
    socket.once('data', (b) => done(null, b.toString('latin1')));
    socket.once('timeout', () => done(new Error('timed out')));
    socket.once('error', (e) => done(e));
  });
}

async function missing(): Promise<string | null> {
  const browser = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(browser)) return `Chromium is not installed at ${browser}: ${FIX}`;
  if (process.env.TEST_SKIP_SERVICES === '1') return null;
  try {
    await ask(5432);
  } catch {
    return `PostgreSQL is not running on 127.0.0.1:5432: ${FIX}`;
  }
  try {
    if (!(await ask(6379, 'PING\r\n')).startsWith('+PONG')) throw new Error('no PONG');
  } catch {
    return `Redis is not running on 127.0.0.1:6379: ${FIX}`;
  }
  return null;
}

export default async function setup(): Promise<void> {
  const problem = await missing();
  if (problem) {
    // One line, no stack: the message is the whole story.
    const err = new Error(problem);
    err.stack = problem;
    throw err;
  }
}
