/**
 * The worker thread heic.ts starts: decodes one HEIC photo at a time (heicDecode.ts) and
 * hands the pixels back as a transfer, not a copy.
 */
import { parentPort } from 'node:worker_threads';
import { decodeHeicHere, type HeicAsk } from './heicDecode.ts';

// libheif says why a file failed on console.log; the server answers one clear error instead.
console.log = () => undefined;

parentPort?.on('message', (ask: HeicAsk) => {
  void decodeHeicHere(ask).then((answer) =>
    parentPort?.postMessage(answer, answer.ok ? [answer.data.buffer as ArrayBuffer] : []),
  );
});
