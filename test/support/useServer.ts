import { afterAll, beforeAll } from 'vitest';
import { startServer, type TestServer } from './server.ts';

/**
 * A real server (startServer's) for the tests of the `describe` it is called in: started
 * before the first, destroyed with its data folder after the last. Returns its getter.
 */
export function useServer(env: Record<string, string> = {}): () => TestServer {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startServer(env);
  });
  afterAll(async () => {
    await server?.destroy();
  });
  return () => {
    if (!server) throw new Error('useServer: the server starts in beforeAll; ask for it inside a test');
    return server;
  };
}
