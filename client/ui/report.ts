/**
 * The tile dialog's "Report" control: a discreet button that opens a choice of reasons,
 * sends the flag, and thanks the viewer (or says, translated, why it could not).
 */

import { FLAG_REASONS, type FlagReason } from '../../shared/httpApi.ts';
import { applyTranslations, type MessageKey, t } from '../i18n/index.ts';
import { ApiError } from '../net/api.ts';
import { flagTile } from '../net/flag.ts';
import { errorMessage } from './errors.ts';
import { byId } from './header.ts';

type Note = { key: MessageKey; params?: Record<string, number> } | { text: () => string } | null;

export interface ReportControl {
  /** Shows the control for a tile; the same tile keeps its state (a language change re-renders). */
  show(id: number): void;
  /** The dialog closed: fold the choice away. */
  reset(): void;
}

/** Wires the markup under #report (button #report-open, form #report-form, #report-status). */
export function mountReport(afterSent: () => HTMLElement): ReportControl {
  const openBtn = byId<HTMLButtonElement>('report-open');
  const form = byId<HTMLFormElement>('report-form');
  const choices = byId('report-reasons');
  const sendBtn = byId<HTMLButtonElement>('report-send');
  const status = byId('report-status');
  const sent = new Set<number>();
  let tileId: number | null = null;
  let note: Note = null;
  let error = false;

  for (const reason of FLAG_REASONS) {
    const label = document.createElement('label');
    label.className = 'report-choice';
    const input = document.createElement('input');
    input.type = 'radio';
    input.name = 'reason';
    input.value = reason;
    const span = document.createElement('span');
    span.dataset.i18n = `report.reason.${reason}`;
    label.append(input, span);
    choices.append(label);
  }
  applyTranslations(choices);

  const render = () => {
    status.textContent = !note ? '' : 'key' in note ? t(note.key, note.params) : note.text();
    status.classList.toggle('error', error);
  };
  const say = (n: Note, isError = false) => {
    note = n;
    error = isError;
    render();
    // The dialog scrolls on small screens: keep the answer in sight.
    if (n) status.scrollIntoView({ block: 'nearest' });
  };
  const fold = (showForm: boolean) => {
    form.hidden = !showForm;
    openBtn.setAttribute('aria-expanded', String(showForm));
  };

  openBtn.addEventListener('click', () => {
    const opening = form.hidden !== false;
    fold(opening);
    say(null);
    if (opening) form.querySelector<HTMLInputElement>('input[name="reason"]')?.focus();
  });
  choices.addEventListener('change', () => {
    if (error) say(null);
  });
  byId('report-cancel').addEventListener('click', () => {
    fold(false);
    say(null);
    openBtn.focus();
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const id = tileId;
    const reason = new FormData(form).get('reason') as FlagReason | null;
    if (id === null) return;
    if (!reason) {
      say({ key: 'report.needReason' }, true);
      form.querySelector<HTMLInputElement>('input[name="reason"]')?.focus();
      return;
    }
    sendBtn.disabled = true;
    try {
      await flagTile(id, reason);
      sent.add(id);
      if (tileId !== id) return;
      fold(false);
      openBtn.hidden = true;
      say({ key: 'report.thanks' });
      afterSent().focus();
    } catch (err) {
      if (tileId !== id) return;
      if (err instanceof ApiError && err.status === 404) {
        fold(false);
        openBtn.hidden = true;
        say({ key: 'tile.missing' }, true);
      } else if (err instanceof ApiError && err.status === 400) {
        say({ key: 'report.error.BAD_REQUEST' }, true);
      } else if (err instanceof ApiError && err.status === 429) {
        say({ key: 'report.error.RATE_LIMITED', params: { s: err.retryAfterS ?? 60 } }, true);
      } else {
        say({ text: () => errorMessage(err) }, true);
      }
    } finally {
      sendBtn.disabled = false;
    }
  });

  return {
    show(id) {
      if (id === tileId) {
        render();
        return;
      }
      tileId = id;
      form.reset();
      fold(false);
      openBtn.hidden = sent.has(id);
      say(sent.has(id) ? { key: 'report.thanks' } : null);
    },
    reset() {
      tileId = null;
      form.reset();
      fold(false);
      say(null);
    },
  };
}
