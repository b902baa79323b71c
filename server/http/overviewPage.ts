/**
 * A big mosaic's page with its first picture in it. For a mosaic served in pyramid mode, the
 * viewer's and the screen's HTML get, in place of the view start's preload:
 * - the view start itself, as JSON (`<script type="application/json" id="kiss-view">`), so
 *   the page needs no request before it knows which pyramid tiles to show;
 * - the overview preview (client/preview/overview.ts, built as `overview-preview.js`), inline
 *   at the top of the head, which shows those tiles as plain images and starts the page's
 *   module once they are on screen (its `data-app`, with the modules it imports as
 *   `data-preload`). The module's tag and its modulepreload links are taken out of the page.
 *
 * The inline script is allowed by its hash in the answer's Content-Security-Policy. A page
 * this cannot compose (cells mode, no preview built, a page without a module tag) is served
 * as built.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Request, Response } from 'express';
import type { ViewStart } from '../../shared/viewStart.ts';
import { MinQuery } from './viewRoutes.ts';

/** The built preview script, next to the pages. */
export const PREVIEW_FILE = 'overview-preview.js';

/** A page's own module script as Vite writes it (with the whitespace before it), its address captured. */
export const MODULE_TAG = /\s*<script type="module" crossorigin src="(\/assets\/[^"]+\.js)"><\/script>/;
const MODULE_PRELOAD = /\s*<link rel="modulepreload" crossorigin href="(\/assets\/[^"]+\.js)">/g;
const VIEWPORT = /<meta name="viewport"[^>]*>/;
const VIEW_PRELOAD =
  /\s*<link rel="preload" href="\/api\/mosaic\/view" as="fetch" crossorigin="anonymous" \/>/;

/** JSON that may sit inside a `<script>` element: no `<` can close it. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c');
}

export class OverviewPages {
  private script: { at: number; text: string; hash: string } | null = null;

  constructor(
    private readonly dir: string,
    /** The view start now, of seq `atLeast` or later where it can be; null when none can be given. */
    private readonly viewStart: (atLeast: number) => Promise<ViewStart | null>,
  ) {}

  /** The preview script as built (re-read when a new build replaces it); null when absent. */
  private async preview(): Promise<{ text: string; hash: string } | null> {
    const file = join(this.dir, PREVIEW_FILE);
    const at = await stat(file).then(
      (s) => s.mtimeMs,
      () => -1,
    );
    if (at < 0) return null;
    if (this.script?.at !== at) {
      const text = (await readFile(file, 'utf8')).trim();
      this.script = { at, text, hash: createHash('sha256').update(text).digest('base64') };
    }
    return this.script;
  }

  /**
   * `html` with the first picture in it, and the Content-Security-Policy of `res` widened to
   * its script; null when the page is to be served as built (also when `req` asks with
   * `?view=cells` for every cell, as the viewer loaded before the pyramid). With `?min=<seq>`
   * (the event screen's offline copy, brought up to the seq the screen shows), the view start
   * waits for a pyramid of that seq, as `GET /api/mosaic/view?min=` does.
   */
  async compose(html: string, req: Request, res: Response): Promise<string | null> {
    if (req.query.view === 'cells') return null;
    const app = MODULE_TAG.exec(html);
    if (!app || !VIEWPORT.test(html)) return null;
    // A malformed min is not the page's error: it is served without waiting.
    const q = MinQuery.safeParse(req.query);
    const min = q.success ? (q.data.min ?? 0) : 0;
    const [start, script] = await Promise.all([this.viewStart(min).catch(() => null), this.preview()]);
    if (start?.mode !== 'pyramid' || !script) return null;
    const csp = res.getHeader('Content-Security-Policy');
    if (typeof csp === 'string')
      res.setHeader(
        'Content-Security-Policy',
        csp.replace(/(^|;)\s*script-src ([^;]*)/, `$1script-src $2 'sha256-${script.hash}'`),
      );
    const preload = [...html.matchAll(MODULE_PRELOAD)].map((m) => m[1]).join(' ');
    // At the top of the head, before the stylesheet: the tiles' downloads start first.
    const first =
      `\n    <script type="application/json" id="kiss-view">${scriptJson(start)}</script>` +
      `\n    <script data-app="${app[1]}" data-preload="${preload}">${script.text}</script>`;
    return html
      .replace(MODULE_TAG, '')
      .replace(MODULE_PRELOAD, '')
      .replace(VIEW_PRELOAD, '')
      .replace(VIEWPORT, (tag) => tag + first);
  }
}
