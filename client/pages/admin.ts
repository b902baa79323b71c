import { initI18n, t } from '../i18n/index.ts';
import { decide, getQueue, type QueueItem, removeTile } from '../net/admin.ts';
import { ApiError } from '../net/api.ts';
import { errorMessage } from '../ui/errors.ts';
import { byId, mountHeader } from '../ui/header.ts';

initI18n();
mountHeader();

const KEY = 'kiss.admin';
const errorBox = byId('admin-error');
let token = sessionStorage.getItem(KEY);

function fail(err: unknown): void {
  if (err instanceof ApiError && err.status === 401) {
    errorBox.textContent = t('admin.badToken');
    logout();
  } else if (err instanceof ApiError && err.status === 404) errorBox.textContent = t('admin.unavailable');
  else errorBox.textContent = errorMessage(err);
}

function logout(): void {
  token = null;
  sessionStorage.removeItem(KEY);
  byId('panel').hidden = true;
  byId('login').hidden = false;
  byId('logout').hidden = true;
}

function item(it: QueueItem): HTMLLIElement {
  const li = document.createElement('li');
  const img = document.createElement('img');
  img.src = it.thumbUrl ?? `/tiles/${it.id}/128.webp`;
  img.alt = t('tile.title', { id: it.id });
  img.width = 96;
  img.height = 96;
  const label = document.createElement('span');
  label.textContent = `${t('tile.title', { id: it.id })}${it.event ? ` · ${it.event}` : ''}`;
  const ok = document.createElement('button');
  ok.textContent = t('admin.approve');
  const no = document.createElement('button');
  no.textContent = t('admin.reject');
  for (const [b, verdict] of [
    [ok, 'approve'],
    [no, 'reject'],
  ] as const) {
    b.type = 'button';
    b.addEventListener('click', async () => {
      if (!token) return;
      try {
        await decide(token, it.id, verdict);
        li.remove();
      } catch (err) {
        fail(err);
      }
    });
  }
  li.append(img, label, ok, no);
  return li;
}

async function open(): Promise<void> {
  if (!token) return;
  errorBox.textContent = '';
  try {
    const items = await getQueue(token);
    sessionStorage.setItem(KEY, token);
    byId('login').hidden = true;
    byId('panel').hidden = false;
    byId('logout').hidden = false;
    const list = byId('queue');
    list.replaceChildren(...items.map(item));
    if (items.length === 0) {
      const li = document.createElement('li');
      li.textContent = t('admin.empty');
      list.append(li);
    }
  } catch (err) {
    fail(err);
  }
}

byId('login').addEventListener('submit', (e) => {
  e.preventDefault();
  token = byId<HTMLInputElement>('token').value.trim();
  void open();
});
byId('logout').addEventListener('click', logout);
byId('remove-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const id = Number(byId<HTMLInputElement>('remove-id').value);
  if (!token || !Number.isInteger(id) || id < 1) return;
  try {
    await removeTile(token, id);
    byId('remove-result').textContent = t('admin.removed', { id });
  } catch (err) {
    fail(err);
  }
});
void open();
