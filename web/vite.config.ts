import { defineConfig } from 'vitest/config';
import preact from '@preact/preset-vite';

// The bundle is committed (web/dist) and embedded in the Rust binary; CI rebuilds it and fails
// when it differs, so the build must be deterministic: no timestamps, stable hashed names.
export default defineConfig({
  plugins: [preact()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    sourcemap: false,
    reportCompressedSize: true,
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8080',
    },
  },
  test: {
    environment: 'node',
    include: ['tests/**/*.test.ts'],
  },
});
