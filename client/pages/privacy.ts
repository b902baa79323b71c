import { initI18n } from '../i18n/index.ts';
import { mountHeader } from '../ui/header.ts';

await initI18n();
mountHeader();
