import { createApp } from './app.ts';
import { readConfig } from './config.ts';

// The entry point only wires: read the environment, build the app, listen.
try {
  const config = readConfig();
  const app = await createApp({ config });
  const port = await app.listen();
  const url = config.PUBLIC_URL ?? `http://localhost:${port}`;
  console.log(
    `Kiss-in mosaic: ${app.service.tileCount} kisses on a ${app.service.cols}x${app.service.rows} grid`,
  );
  console.log(`Open ${url}/  (contribute: ${url}/add, event screen: ${url}/screen?event=london)`);
  const stop = () => {
    app.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
