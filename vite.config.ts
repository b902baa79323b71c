import { resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

const page = (name: string): string => resolve(import.meta.dirname, 'client', name);

/**
 * `pixi.js/unsafe-eval` (the board's shader and uniform code without `new Function`, for the
 * pages' CSP) patches the WebGPU renderer's uniform system as well as WebGL's. That static import
 * put PixiJS's WebGPU renderer (14 KB brotli, 55 KB of script) in the first load of `/` and
 * `/screen`, though the board never asks for WebGPU (client/render/MosaicBoard.ts). This drops
 * the WebGPU part of the patch, and fails the build when PixiJS's file no longer reads as expected.
 */
function pixiWebglOnlyNoEval(): Plugin {
  const file = /[\\/]pixi\.js[\\/]lib[\\/]unsafe-eval[\\/]init\.mjs$/;
  const edits: [RegExp, string][] = [
    [/import \{ GpuUboSystem \} from '[^']+';\n/, ''],
    [/generateUboSyncPolyfillSTD40, generateUboSyncPolyfillWGSL \}/, 'generateUboSyncPolyfillSTD40 }'],
    [/\n {2}Object\.assign\(GpuUboSystem\.prototype, \{\n[^}]*\}\);/, ''],
  ];
  return {
    name: 'pixi-webgl-only-no-eval',
    transform(code, id) {
      if (!file.test(id)) return null;
      let out = code;
      for (const [part, by] of edits) {
        if (!part.test(out)) throw new Error(`pixi.js/unsafe-eval changed: ${part} not found in ${id}`);
        out = out.replace(part, by);
      }
      if (/GpuUboSystem|WGSL/.test(out)) throw new Error(`pixi.js/unsafe-eval still patches WebGPU: ${id}`);
      return { code: out, map: null };
    },
  };
}

// The client is a multi-page app: one HTML entry per page, all sharing client/ modules.
export default defineConfig({
  root: 'client',
  publicDir: false,
  plugins: [pixiWebglOnlyNoEval()],
  build: {
    outDir: resolve(import.meta.dirname, 'dist/client'),
    emptyOutDir: true,
    // .vite/manifest.json: the server reads where each language's table was built to, and names
    // the page's likely one in its HTML (server/http/pageLanguage.ts).
    manifest: true,
    chunkSizeWarningLimit: 2000,
    rolldownOptions: {
      output: {
        // The console's words in each language (client/i18n/console/) apart from the pages' by name.
        chunkFileNames: (chunk) =>
          /[\\/]i18n[\\/]console[\\/]/.test(chunk.facadeModuleId ?? '')
            ? 'assets/console-[name]-[hash].js'
            : 'assets/[name]-[hash].js',
        codeSplitting: {
          groups: [
            // The snapshot's early start (client/net/early.ts) must not wait for PixiJS: its
            // modules get chunks of their own instead of joining the shared mosaic chunk. Two
            // chunks, so that pages which do not import early.ts (/add) do not run its start.
            { name: 'snapshot', test: /client[\\/]net[\\/]snapshot\.ts$/, priority: 2 },
            { name: 'early', test: /client[\\/]net[\\/]early\.ts$/, priority: 1 },
          ],
        },
      },
      input: {
        view: page('index.html'),
        add: page('add.html'),
        screen: page('screen.html'),
        admin: page('admin.html'),
        privacy: page('privacy.html'),
      },
    },
  },
  server: { port: 5173 },
});
