// Builds the web UI's browser code: web/src → web/dist (docs/architecture.md, "Web UI").
//
// The C++ server serves web/dist/assets/<file> at /assets/<file> and finds each entry's file
// names in web/dist/.vite/manifest.json (keys "main.js" and "charts.js"). Every file name
// carries a content hash, so the server may let browsers cache /assets/* for good.
//
// The pages' Content-Security-Policy allows scripts, styles, fonts and images from 'self'
// only (images also from data:, which Tabler's CSS uses for its small SVG glyphs). So:
// nothing is inlined as a data: URL, no source maps are shipped, and the output holds no
// eval (htmx runs with allowEval=false; Alpine is its CSP build).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const src = (file) => fileURLToPath(new URL(`./web/src/${file}`, import.meta.url));

export default defineConfig({
  root: src(''),
  // URLs inside the CSS (fonts, images) are written as /assets/<name>-<hash>.<ext>.
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  clearScreen: false,
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    manifest: true,
    sourcemap: false,
    // Never a data: URL for an imported file (the CSP has no font-src data:).
    assetsInlineLimit: 0,
    // One stylesheet per entry, linked by the server from the manifest's "css" list.
    cssCodeSplit: true,
    // The browsers Kanri supports: current evergreen ones, from those that know the CSS
    // Tabler is written in (oklch(), color-mix()). An older CSS target makes Lightning CSS
    // add fallbacks for all of it and the stylesheet 45 % bigger.
    target: ['es2022', 'chrome111', 'edge111', 'firefox114', 'safari16.4'],
    cssTarget: ['chrome111', 'edge111', 'firefox114', 'safari16.4'],
    modulePreload: { polyfill: false },
    // A chunk over this size (kB, before gzip) is reported; main.js is about 300 kB raw.
    chunkSizeWarningLimit: 400,
    rolldownOptions: {
      input: {
        main: src('main.js'),
        charts: src('charts.js'),
      },
      // Its timing report is noise on a 2-core machine that also compiles the C++.
      checks: { pluginTimings: false },
      // htmx has one direct eval, which it never reaches with allowEval=false (main.js);
      // an eval anywhere else is still reported.
      onLog(level, log, handler) {
        if (log.code === 'EVAL' && /[\\/]node_modules[\\/]htmx\.org[\\/]/.test(log.id ?? '')) return;
        handler(level, log);
      },
      output: {
        entryFileNames: 'assets/[name]-[hash].js',
        chunkFileNames: 'assets/[name]-[hash].js',
        assetFileNames: 'assets/[name]-[hash][extname]',
      },
    },
  },
});
