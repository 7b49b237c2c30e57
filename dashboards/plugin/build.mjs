// Bundles the plugin's frontend into dist/module.js with esbuild.
//
// Grafana loads a plugin's module.js with SystemJS and hands it its own
// copies of react and the @grafana packages; webpack's "amd" output is how
// Grafana's plugin template does it. esbuild has no AMD output, so the
// CommonJS bundle is wrapped in a define() whose dependencies are exactly
// the externals (a dozen lines instead of a webpack toolchain).
import * as esbuild from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const out = process.argv[2] || 'dist/module.js';
const externals = ['react', 'react-dom', '@grafana/data', '@grafana/ui', '@grafana/runtime'];

const result = await esbuild.build({
  entryPoints: ['src/module.ts'],
  bundle: true,
  format: 'cjs',
  platform: 'browser',
  target: 'es2020',
  jsx: 'transform',
  external: externals,
  minify: true,
  sourcemap: false,
  write: false,
  logLevel: 'warning',
});

const args = externals.map((_, i) => `__dep${i}`).join(', ');
const table = externals.map((name, i) => `${JSON.stringify(name)}: __dep${i}`).join(', ');
const amd =
  `define(${JSON.stringify(externals)}, function (${args}) {\n` +
  `var __deps = {${table}};\n` +
  `var require = function (name) { if (name in __deps) return __deps[name]; throw new Error("edgelog-datasource: unknown module " + name); };\n` +
  `var module = { exports: {} }, exports = module.exports;\n` +
  result.outputFiles[0].text +
  `\nreturn module.exports;\n});\n`;

mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, amd);
console.log(`wrote ${out} (${amd.length} bytes)`);
