import { languageSwitch } from '../i18n/index.ts';

/** Fills a page's <header class="bar"> slot `#lang` with the language switch. */
export function mountHeader(): void {
  const slot = document.getElementById('lang');
  if (slot) slot.replaceWith(languageSwitch());
}

/** An element by id, typed, failing loudly when the markup and the code disagree. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing from the page`);
  return el as T;
}

/** Copies text and briefly swaps a button's label to `doneText`. */
export async function copyText(text: string, button: HTMLElement, doneText: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Clipboard blocked (http, old browser): the text stays selectable in its field.
    return;
  }
  const old = button.textContent;
  button.textContent = doneText;
  setTimeout(() => {
    button.textContent = old;
  }, 1500);
}
