/**
 * What every end-to-end test needs: the client built once, the real server on port 0
 * (with the live layer attached if createApp does not attach it yet), and Debian's Chromium.
 */

import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { buildClient as buildDist } from '../../scripts/buildClient.ts';
import { CLIENT_DIR } from '../../server/http/clientRoutes.ts';
import { MANIFEST_FILE, type Manifest, manifestFiles } from '../../server/http/pageLanguage.ts';
import { wireParser } from '../../shared/wire.ts';
import { startServer, type TestServer } from '../support/server.ts';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];

let built: Promise<void> | null = null;

/** Builds the client into dist/client once per process (the same build as `npm run build`, swapped in whole). */
export function buildClient(): Promise<void> {
  built ??= buildDist({ logLevel: 'warn' });
  return built;
}

export interface E2EServer extends TestServer {
  stop(): Promise<void>;
}

/**
 * The built client and the real server (createApp, with its live layer) on port 0, or on `port`
 * (a server started again where the browser's pages and storage expect it).
 */
export async function startE2EServer(
  env: Record<string, string> = {},
  dataDir?: string,
  port?: number,
): Promise<E2EServer> {
  await buildClient();
  const server = await startServer(env, dataDir, port);
  return { ...server, stop: server.destroy };
}

export function chromiumPath(): string {
  const p = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(p) || !statSync(p).isFile())
    throw new Error(`Chromium not found at ${p}: apt-get install chromium`);
  return p;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
}

/** Waits until the page's mosaic has applied at least `seq` (its live state). */
export async function waitForSeq(page: Page, seq: number, timeout = 20_000): Promise<void> {
  await page.waitForFunction(
    (s) =>
      ((window as unknown as { kiss?: { feed: { mosaic: { seq: number } } } }).kiss?.feed.mosaic.seq ?? -1) >=
      s,
    seq,
    {
      timeout,
      polling: 50,
    },
  );
}

/** Opens the contribute page with `photo` chosen (its preview drawn) and consent given, ready to send. */
export async function readyToSend(page: Page, url: string, photo: Buffer): Promise<void> {
  await page.goto(`${url}/add`);
  await page.setInputFiles('#file', { name: 'kiss.jpg', mimeType: 'image/jpeg', buffer: photo });
  await page.waitForSelector('#preview-box:not([hidden])');
  await page.check('#consent');
}

/** Sends a photo through the real contribute page (file picker, consent, send) and waits for its success view. */
export async function contribute(page: Page, url: string, photo: Buffer): Promise<void> {
  await page.goto(`${url}/add`);
  await page.setInputFiles('#file', { name: 'kiss.jpg', mimeType: 'image/jpeg', buffer: photo });
  await page.check('#consent');
  await page.click('#send');
  await page.waitForSelector('#done-view:not([hidden])', { timeout: 30_000 });
}

/**
 * A fresh browser context at `viewport` (en-GB, DPR 1), signed in to /admin with `token`;
 * resolves once `ready` (a selector) is visible.
 */
export async function signInAdmin(
  browser: Browser,
  url: string,
  token: string,
  viewport: { width: number; height: number },
  ready = '#panel:not([hidden])',
  context: BrowserContextOptions = {},
): Promise<Page> {
  const ctx = await browser.newContext({ viewport, locale: 'en-GB', deviceScaleFactor: 1, ...context });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error(e));
  await page.goto(`${url}/admin`);
  await page.fill('#token', token);
  await page.press('#token', 'Enter');
  await page.waitForSelector(ready, { state: 'visible' });
  return page;
}

/** A Socket.IO handshake (CONNECT) packet rewritten to say protocol 0; null for any other packet. */
export function olderHandshake(frame: Buffer): Buffer | null {
  let packet: { type: number; data?: { v?: number } } | null = null;
  const decoder = new wireParser.Decoder();
  decoder.on('decoded', (p) => {
    packet = p;
  });
  decoder.add(frame);
  const p = packet as { type: number; data?: { v?: number } } | null;
  if (p?.type !== 0 || p.data?.v === undefined) return null;
  p.data.v = 0;
  return (new wireParser.Encoder().encode(p) as unknown as Buffer[])[0]!;
}

/**
 * Routes the page's live sockets so that, while `on`, its handshakes say protocol 0: a page
 * from before a deploy that changed the protocol. `open` holds the page's sockets.
 */
export async function asOlderPage(page: Page, on = false) {
  const older = { on, refused: 0, open: [] as Array<{ close(): Promise<void> }> };
  await page.routeWebSocket(/socket\.io/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((m) => {
      const changed = older.on && typeof m !== 'string' ? olderHandshake(m) : null;
      if (changed) older.refused++;
      server.send(changed ?? m);
    });
    older.open.push(ws);
  });
  return older;
}

/** The WCAG 2.2 AA rule tags axe-core checks. */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/**
 * Adds each Content-Security-Policy complaint `page` logs (its script's and its workers', an
 * `'unsafe-eval'` refusal among them) to `into`, after `label` when given.
 */
export function recordCspViolations(page: Page, into: string[], label?: string): void {
  page.on('console', (m) => {
    if (/Content Security Policy|unsafe-eval/i.test(m.text()))
      into.push(label ? `${label}: ${m.text()}` : m.text());
  });
}

/**
 * axe-core's serious and critical WCAG 2.2 AA violations on the page (or in the part `include`
 * selects), one line each: an empty list passes.
 */
export async function axeViolations(page: Page, include?: string): Promise<string[]> {
  const builder = new AxeBuilder({ page }).withTags(WCAG_TAGS);
  const r = await (include ? builder.include(include) : builder).analyze();
  return r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** PixiJS's WebGPU renderer, as Vite's manifest names the module autoDetectRenderer imports. */
export const WEBGPU_RENDERER = /node_modules\/pixi\.js\/lib\/rendering\/renderers\/gpu\/WebGPURenderer\.mjs$/;

/** Vite's manifest of the client as built (dist/client/.vite/manifest.json). */
export function builtManifest(): Manifest {
  return JSON.parse(readFileSync(resolve(CLIENT_DIR, MANIFEST_FILE), 'utf8')) as Manifest;
}

/**
 * Where the build put the module whose manifest key matches `id`: its chunk, the chunks that chunk
 * imports, and every chunk reachable from it, as addresses.
 */
export function builtChunk(id: RegExp): { file: string; imports: string[]; all: string[] } {
  const manifest = builtManifest();
  const key = Object.keys(manifest).find((k) => id.test(k));
  if (!key) throw new Error(`the build has no chunk for ${id}`);
  const entry = manifest[key]!;
  return {
    file: `/${entry.file}`,
    imports: (entry.imports ?? []).map((k) => `/${manifest[k]!.file}`),
    all: manifestFiles(manifest, [key]),
  };
}
