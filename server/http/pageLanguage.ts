/**
 * The words of one language in a page's first load. Each language's message table is a chunk of
 * its own (client/i18n/index.ts), fetched by the page once its script knows the language; a page
 * as built names none of them. This names the likely one in the page's HTML, as a modulepreload
 * beside the page's own script, so that it arrives with the page's other modules instead of a
 * round trip after them:
 * - the language asked for with `?lang=`, as the page itself takes it first;
 * - else the one chosen earlier with a page's language switch, which the browser keeps and sends
 *   as a cookie (`kiss_lang`, client/i18n/index.ts);
 * - else the best of the request's Accept-Language, as the page takes the browser's languages.
 *
 * The admin page also shows the organisers' console's words, a second table per language
 * (client/i18n/console/): its HTML names both.
 *
 * So a page varies by Accept-Language and Cookie. Where the tables are built to is read from
 * Vite's manifest, again whenever a build replaces it.
 */
import { join } from 'node:path';
import type { Request } from 'express';
import { cookieLanguage, RALLY_LANGUAGES, type RallyLanguage } from '../../shared/rallies.ts';
import type { BuiltPages } from './clientRoutes.ts';
import { MODULE_TAG } from './overviewPage.ts';

/** Vite's record of the build: source module (relative to client/) -> its chunk. */
export const MANIFEST_FILE = '.vite/manifest.json';

/** Each page language's table, as its source module is named in the manifest. */
export const TABLE_MODULES: Readonly<Record<RallyLanguage, string>> = {
  en: 'i18n/en.ts',
  ru: 'i18n/ru.ts',
  'pt-BR': 'i18n/ptBR.ts',
  es: 'i18n/es.ts',
  de: 'i18n/de.ts',
  fr: 'i18n/fr.ts',
};

/** Each language's table of the organisers' console's words: the same file name under i18n/console/. */
export const CONSOLE_TABLE_MODULES = Object.fromEntries(
  RALLY_LANGUAGES.map((code) => [code, TABLE_MODULES[code].replace(/^i18n\//, 'i18n/console/')]),
) as Readonly<Record<RallyLanguage, string>>;

/** Vite's manifest as parsed: source module -> its chunk and the chunks that chunk imports. */
export type Manifest = Record<string, { file: string; imports?: string[] }>;
type Tables = 'page' | 'console';

/** The built files of the modules `keys` name and of every chunk they import, as addresses, once each. */
export function manifestFiles(manifest: Manifest, keys: readonly string[]): string[] {
  const seen = new Set<string>();
  const add = (key: string): void => {
    const chunk = manifest[key];
    if (!chunk || seen.has(chunk.file)) return;
    seen.add(chunk.file);
    for (const dep of chunk.imports ?? []) add(dep);
  };
  for (const key of keys) add(key);
  return [...seen].map((f) => `/${f}`);
}

/** The best of the six for the request's Accept-Language (by q; "pt" finds pt-BR, "de-AT" finds de), else English. */
export function acceptedLanguage(req: Request): RallyLanguage {
  return (req.acceptsLanguages(...RALLY_LANGUAGES) || 'en') as RallyLanguage;
}

/** The headers a page's HTML varies by, as it names the words of `requestLanguage`. */
export const PAGE_LANGUAGE_VARY = 'Accept-Language, Cookie';

/** The language a page asked for by `req` will most likely show: `?lang=`, the kept choice, Accept-Language. */
export function requestLanguage(req: Request): RallyLanguage {
  return (
    RALLY_LANGUAGES.find((code) => code === req.query.lang) ??
    cookieLanguage(req.headers.cookie ?? '') ??
    acceptedLanguage(req)
  );
}

export class PageLanguages {
  /** The manifest's text last read, and each language's files (the table and what it imports), for a page and for the console. */
  private read: { text: string; files: Map<`${Tables} ${RallyLanguage}`, string[]> } | null = null;

  constructor(
    private readonly dir: string,
    private readonly built: BuiltPages,
  ) {}

  /**
   * The built files of `lang`'s table, as addresses (with `consoleWords`, the console's table's as well);
   * empty when the build has no manifest or no such table.
   */
  async files(lang: RallyLanguage, consoleWords = false): Promise<string[]> {
    const text = await this.built.read(join(this.dir, MANIFEST_FILE));
    if (text === null) return [];
    if (this.read?.text !== text) {
      const manifest = JSON.parse(text) as Manifest;
      const files = new Map<`${Tables} ${RallyLanguage}`, string[]>();
      for (const code of RALLY_LANGUAGES) {
        files.set(`page ${code}`, manifestFiles(manifest, [TABLE_MODULES[code]]));
        files.set(
          `console ${code}`,
          manifestFiles(manifest, [TABLE_MODULES[code], CONSOLE_TABLE_MODULES[code]]),
        );
      }
      this.read = { text, files };
    }
    return this.read.files.get(`${consoleWords ? 'console' : 'page'} ${lang}`) ?? [];
  }

  /**
   * `html` with `lang`'s table (with `consoleWords`, the console's too) named as modulepreloads after the
   * page's module; null when there is nothing to add.
   */
  async withPreload(html: string, lang: RallyLanguage, consoleWords = false): Promise<string | null> {
    const files = await this.files(lang, consoleWords);
    if (!files.length || !MODULE_TAG.test(html)) return null;
    const links = files.map((f) => `\n    <link rel="modulepreload" crossorigin href="${f}">`).join('');
    return html.replace(MODULE_TAG, (tag) => tag + links);
  }
}
