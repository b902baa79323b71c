/**
 * /admin: sign in with ADMIN_TOKEN (kept in sessionStorage for this tab), review the queue
 * (first, as the most urgent), watch the live numbers, keep the rally registry, remove live
 * tiles one by one or by rally or area, make a timelapse video, import photos in bulk, and
 * print the poster, stickers and wall map.
 */
import { EVENT_CODE_MAX } from '../../shared/rally.ts';
import { initI18n, t } from '../i18n/index.ts';
import { getMosaic } from '../net/api.ts';
import { mountImport } from '../ui/adminImport.ts';
import { adminErrorText, isUnauthorized, say } from '../ui/adminMessages.ts';
import { mountPrint } from '../ui/adminPrint.ts';
import { AdminQueue, type AdminSession } from '../ui/adminQueue.ts';
import { AdminRallies } from '../ui/adminRallies.ts';
import { AdminStatsPanel } from '../ui/adminStats.ts';
import { mountTakedown } from '../ui/adminTakedown.ts';
import { mountTimelapse } from '../ui/adminTimelapse.ts';
import { byId, mountHeader } from '../ui/header.ts';

// The console's own words come with the page's (a second table per language).
await initI18n({ console: true });
mountHeader();

const KEY = 'kiss.admin';
const errorBox = byId('admin-error');
let token = sessionStorage.getItem(KEY);

const session: AdminSession = {
  token: () => token,
  refused: () => {
    logout();
    say(errorBox, () => t('admin.badToken'), true);
  },
};
// Every rally code field takes as many characters as a code may have.
for (const input of document.querySelectorAll<HTMLInputElement>('input[data-rally-code]'))
  input.maxLength = EVENT_CODE_MAX;
// The grid's size and the public address, asked once for the whole page.
const mosaic = getMosaic();
mosaic.catch(() => {});
const queue = new AdminQueue(session);
const takedown = mountTakedown(session, mosaic, () => queue.load().catch(failed));
const timelapse = mountTimelapse(session);
const rallies = new AdminRallies(session, mosaic);
const stats = new AdminStatsPanel(
  () => session.refused(null),
  (s) => void queue.follow(s.queue),
);
const importer = mountImport(session);
mountPrint(session);

function logout(): void {
  token = null;
  sessionStorage.removeItem(KEY);
  queue.clear();
  takedown.close();
  timelapse.close();
  stats.close();
  rallies.clear();
  importer.close();
  byId('panel').hidden = true;
  byId('login').hidden = false;
  byId('logout').hidden = true;
  say(errorBox, null);
}

/** Shows a failed queue load: a refused token signs out, anything else is said above the panel. */
function failed(err: unknown): void {
  if (isUnauthorized(err)) session.refused(err);
  else say(errorBox, () => adminErrorText(err), true);
}

async function open(): Promise<void> {
  if (!token) return;
  say(errorBox, null);
  try {
    await queue.load();
  } catch (err) {
    failed(err);
    return;
  }
  sessionStorage.setItem(KEY, token);
  stats.open(token);
  rallies.load().catch(failed);
  byId('login').hidden = true;
  byId('panel').hidden = false;
  byId('logout').hidden = false;
  void timelapse.open();
}

byId('login').addEventListener('submit', (e) => {
  e.preventDefault();
  token = byId<HTMLInputElement>('token').value.trim();
  void open().then(() => {
    if (token) byId('queue-title').focus();
  });
});
byId('logout').addEventListener('click', () => {
  logout();
  byId('token').focus();
});
void open();
