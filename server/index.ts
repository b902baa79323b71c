import { createApp } from './app.ts';
import { readConfig } from './config.ts';

// The entry point only wires: read the environment, build the app, listen.
try {
  const config = readConfig();
  const app = await createApp({ config });
  const port = await app.listen();
  const url = config.PUBLIC_URL ?? `http://localhost:${port}`;
  console.log(
    `Kiss-in mosaic: ${app.mosaic.tileCount} kisses on a ${app.mosaic.cols}x${app.mosaic.rows} grid` +
      (app.cluster ? ` (cluster node ${app.cluster.health().node})` : ''),
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
