/** `npm run build`: the client, built by Vite and swapped into dist/ whole (see buildClient.ts). */
import { buildClient } from './buildClient.ts';

await buildClient({ logLevel: process.argv.includes('--quiet') ? 'warn' : 'info' });
