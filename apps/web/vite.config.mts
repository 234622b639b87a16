import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The run view: built into dist/apps/web (served by the gateway at /). `vite --config apps/web/vite.config.mts`
// serves it for development with the API proxied to a gateway on :3000.
const root = fileURLToPath(new URL('.', import.meta.url));
const outDir = process.env.MOCKOPS_WEB_OUT_DIR ?? fileURLToPath(new URL('../../dist/apps/web', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir,
    emptyOutDir: true,
    manifest: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: true,
    chunkSizeWarningLimit: 300,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:3000', '/healthz': 'http://127.0.0.1:3000' },
  },
});
