// Bundles the plugin's frontend into dist/module.js with esbuild.
//
// Grafana loads a plugin's module.js with SystemJS and hands it its own
// copies of react and the @grafana packages; webpack's "amd" output is how
// Grafana's plugin template does it. esbuild has no AMD output, so the
// CommonJS bundle is wrapped in a define() whose dependencies are exactly
// the externals (a dozen lines instead of a webpack toolchain).
import * as esbuild from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';

const out = process.argv[2] || 'dist/module.js';
const externals = ['react', 'react-dom', '@grafana/data', '@grafana/ui', '@grafana/runtime'];

const args = externals.map((_, i) => `__dep${i}`).join(', ');
const table = externals.map((name, i) => `${JSON.stringify(name)}: __dep${i}`).join(', ');
// The define() wrapper is esbuild's banner and footer, so the source map
// (module.js.map, which Grafana's plugin validator asks for) keeps its
// lines right.
const banner =
  `define(${JSON.stringify(externals)}, function (${args}) {\n` +
  `var __deps = {${table}};\n` +
  `var require = function (name) { if (name in __deps) return __deps[name]; throw new Error("edgelog-edgelog-datasource: unknown module " + name); };\n` +
  `var module = { exports: {} }, exports = module.exports;`;
const footer = `return module.exports;\n});`;

mkdirSync(dirname(out), { recursive: true });
await esbuild.build({
  entryPoints: ['src/module.ts'],
  bundle: true,
  format: 'cjs',
  platform: 'browser',
  target: 'es2020',
  jsx: 'transform',
  external: externals,
  minify: true,
  sourcemap: 'linked',
  sourcesContent: true,
  banner: { js: banner },
  footer: { js: footer },
  outfile: out,
  logLevel: 'warning',
});

// Sources named as the create-plugin scaffold's webpack names them
// (webpack://<plugin id>/./<path under src/>), which is how Grafana's plugin
// validator finds each one in the source code to compare it.
const pluginId = JSON.parse(readFileSync('src/plugin.json', 'utf8')).id;
const map = JSON.parse(readFileSync(`${out}.map`, 'utf8'));
map.sources = map.sources.map((s) => {
  const rel = relative(resolve('src'), resolve(dirname(out), s));
  return rel.startsWith('..') ? s : `webpack://${pluginId}/./${rel}`;
});
writeFileSync(`${out}.map`, JSON.stringify(map));
const size = readFileSync(out).length;
console.log(`wrote ${out} (${size} bytes) and ${out}.map (${map.sources.length} sources)`);
