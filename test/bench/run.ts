/**
 * `npm run bench [-- name ...]`: runs every benchmark module in test/bench that exports
 * `run()`, each in its own process (so one's memory does not weigh on the next), in order.
 * Each prints its figures beside a reference measured in the same run, as a ratio.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = import.meta.dirname;
const wanted = process.argv.slice(2);
const modules = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .filter((f) => /export\s+async\s+function\s+run\s*\(/.test(readFileSync(join(dir, f), 'utf8')))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

console.log(`# Benchmarks (${new Date().toISOString()}, ${process.version}, ${modules.join(', ')})`);
let failed = 0;
for (const f of modules) {
  const started = Date.now();
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--expose-gc', '-e', `import(${JSON.stringify(join(dir, f))}).then((m) => m.run())`],
    { stdio: 'inherit', env: process.env },
  );
  console.log(
    `(${f}: ${((Date.now() - started) / 1000).toFixed(0)} s${r.status ? `, exit ${r.status}` : ''})`,
  );
  if (r.status) failed++;
}
process.exit(failed ? 1 : 0);
