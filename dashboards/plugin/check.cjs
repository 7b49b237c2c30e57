// Loads the built module.js the way Grafana does, through an AMD define()
// that hands it the real react and @grafana packages (from node_modules),
// in a jsdom window; then checks the plugin registers its editors, and
// renders the query editor for every query type of model.json and the
// config editor. Usage: node check.cjs dist/module.js
const path = require('path');
const { JSDOM } = require('jsdom');

// @grafana/ui imports stylesheets and images; Grafana's webpack handles
// them, here they are nothing.
for (const ext of ['.css', '.scss', '.svg']) require.extensions[ext] = (m) => { m.exports = ''; };
const dom = new JSDOM('<!doctype html><html><body></body></html>', { url: 'http://localhost/' });
global.window = dom.window;
for (const k of Object.getOwnPropertyNames(dom.window)) {
  if (!(k in global)) { try { global[k] = dom.window[k]; } catch (e) { /* read-only */ } }
}
for (const k of ['Event', 'CustomEvent', 'EventTarget', 'MessageEvent', 'KeyboardEvent', 'MouseEvent']) global[k] = dom.window[k];
global.devicePixelRatio = 1;
// jsdom has no matchMedia; uPlot asks it for the pixel ratio.
global.window.matchMedia = global.matchMedia = () => ({ matches: false, addListener() {}, removeListener() {}, addEventListener() {}, removeEventListener() {} });

let exported;
global.define = (deps, factory) => { exported = factory(...deps.map((d) => require(d))); };
require(path.resolve(process.argv[2] || 'dist/module.js'));

const fail = (msg) => { console.error('FAIL ' + msg); process.exitCode = 1; };
const plugin = exported && exported.plugin;
if (!plugin || plugin.constructor.name !== 'DataSourcePlugin') fail('module.js exports no DataSourcePlugin');
for (const c of ['ConfigEditor', 'QueryEditor', 'VariableQueryEditor']) if (!plugin.components[c]) fail('no ' + c);

const React = require('react');
// Server rendering has no layout; silence the warning @grafana/ui's inputs cause.
React.useLayoutEffect = React.useEffect;
const { renderToString } = require('react-dom/server');
const model = require('./src/model.json');
let rendered = 0;
for (const spec of model) {
  const query = { refId: 'A', queryType: spec.type, metric: spec.metrics[0], groupBy: spec.groupBys[0], customer: '$customer' };
  const html = renderToString(React.createElement(plugin.components.QueryEditor, { query, onChange() {}, onRunQuery() {}, datasource: {} }));
  for (const want of [spec.type, ...(spec.metrics.slice(0, 1)), ...(spec.groupBys.slice(0, 1))]) {
    if (!html.includes(want)) fail(`query editor for ${spec.type} does not show ${want}`);
  }
  if (spec.limit && !html.includes('Limit')) fail(`query editor for ${spec.type} has no limit`);
  if (spec.window && !html.includes('Window')) fail(`query editor for ${spec.type} has no window`);
  rendered++;
}
const options = { url: 'http://query:8080', jsonData: {}, secureJsonFields: { token: true }, secureJsonData: {} };
const config = renderToString(React.createElement(plugin.components.ConfigEditor, { options, onOptionsChange() {} }));
if (!config.includes('http://query:8080') || !config.includes('configured')) fail('config editor does not show the URL and the configured token');
console.log(`checked module.js: plugin, editors, ${rendered} query types rendered`);
