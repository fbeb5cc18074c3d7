import { defineConfig } from 'vitest/config';
import preact from '@preact/preset-vite';

// Everything is bundled into dist/ (index.html + assets/); nothing is loaded from a CDN.
// The daemon serves dist/ and answers /kiosk, /hall, /window/:id, ... with index.html.
export default defineConfig({
  plugins: [preact()],
  base: '/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
  },
  server: {
    // `npm run dev` against a local daemon on its default port.
    proxy: {
      '/api': { target: 'http://127.0.0.1:8470', ws: true },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['tests/**/*.test.{ts,tsx}'],
    restoreMocks: true,
  },
});
