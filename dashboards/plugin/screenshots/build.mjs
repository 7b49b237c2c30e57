// Bundles harness.tsx with react and the @grafana packages into one script
// for a plain HTML page (screenshots.sh).
import * as esbuild from 'esbuild';
import { writeFileSync } from 'node:fs';

const out = process.argv[2];
await esbuild.build({
  entryPoints: [new URL('./harness.tsx', import.meta.url).pathname],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2020',
  jsx: 'transform',
  define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
  loader: { '.svg': 'text', '.woff': 'dataurl', '.woff2': 'dataurl', '.ttf': 'dataurl', '.png': 'dataurl' },
  outfile: `${out}/harness.js`,
  logLevel: 'error',
});
writeFileSync(`${out}/index.html`, '<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="harness.css"><style>body{margin:0}</style></head><body><div id="root"></div><script src="harness.js"></script></body></html>');
