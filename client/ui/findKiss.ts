/**
 * "Find my kiss": a field that takes a tile's number or its permalink (/t/123, or the full
 * link as shared), finds the tile wherever it is in the mosaic and opens it.
 */
import { sayIn, t } from '../i18n/index.ts';
import type { BoardTile } from '../render/types.ts';
import { byId } from './header.ts';

/** The tile id in what someone typed or pasted: "123", "#123", "/t/123" or "https://…/t/123"; else null. */
export function parseTileRef(text: string): number | null {
  const s = text.trim();
  const m = /^(?:#|№|n[º°o]\.?)?\s*(\d{1,10})$/i.exec(s) ?? /(?:^|\/)t\/(\d{1,10})\/?(?:[?#].*)?$/.exec(s);
  if (!m) return null;
  const id = Number(m[1]);
  return id > 0 && Number.isSafeInteger(id) ? id : null;
}

export interface FindKissOptions {
  find(id: number): Promise<BoardTile | null>;
  /** Flies to the tile (or jumps there, with reduced motion) and opens it. */
  show(tile: BoardTile): void;
}

/**
 * Says in the #find form's error, tied to its field, what went wrong (again in a language
 * switched to), and puts the focus there.
 */
function fail(words: () => string): void {
  const input = byId<HTMLInputElement>('find-input');
  sayIn(byId('find-error'), words);
  input.setAttribute('aria-invalid', 'true');
  input.focus();
}

/** A link to a kiss the mosaic does not hold (removed, or never there): its number and why, in the form. */
export function sayKissMissing(id: number): void {
  byId<HTMLInputElement>('find-input').value = String(id);
  fail(() => t('find.missing', { id }));
}

/** Wires the page's #find form: its field, its button and its error, tied to the field. */
export function mountFindKiss(opts: FindKissOptions): void {
  const form = byId<HTMLFormElement>('find');
  const input = byId<HTMLInputElement>('find-input');
  const error = byId('find-error');
  const clear = (): void => {
    sayIn(error, null);
    input.removeAttribute('aria-invalid');
  };
  input.addEventListener('input', clear);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const id = parseTileRef(input.value);
    if (id === null) return fail(() => t('find.invalid'));
    clear();
    form.setAttribute('aria-busy', 'true');
    const tile = await opts.find(id);
    form.removeAttribute('aria-busy');
    if (!tile) return fail(() => t('find.missing', { id }));
    opts.show(tile);
  });
}
