// Checks a built plugin folder (or the folder inside a zip's extraction)
// with the offline rules of Grafana's plugin validator
// (@grafana/plugin-validator). The validator itself downloads its Go binary
// from GitHub on first use, which this machine and CI cannot reach, and its
// Go module is not on the module proxy; so its archive analyzers that need
// no network are written out here, one check each, named as the validator
// names them. Run by build.sh on every build; `node validate.mjs DIR`.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';

const dir = resolve(process.argv[2] || 'dist/edgelog-edgelog-datasource');
const src = resolve(new URL('.', import.meta.url).pathname);
const problems = [];
const fail = (rule, msg) => problems.push(`${rule}: ${msg}`);
const read = (p) => readFileSync(join(dir, p), 'utf8');

// metadata, metadatavalid: plugin.json parses and has what the schema requires.
let meta;
try {
  meta = JSON.parse(read('plugin.json'));
} catch (e) {
  console.error(`metadata: plugin.json: ${e.message}`);
  process.exit(1);
}
for (const k of ['id', 'type', 'name', 'info']) {
  if (!meta[k]) fail('metadatavalid', `plugin.json has no ${k}`);
}
if (!/^\d+\.\d+\.\d+/.test(meta.info?.version || '')) fail('version', `info.version ${meta.info?.version} is not semver`);
if (!meta.info?.updated || meta.info.updated.includes('%')) fail('metadatavalid', 'info.updated is not a date');
if (!meta.dependencies?.grafanaDependency) fail('restrictivedep', 'no dependencies.grafanaDependency');

// pluginname, typesuffix: org-name-type, lower case, the type as suffix.
const parts = (meta.id || '').split('-');
if (!/^[a-z0-9]+(-[a-z0-9]+)+$/.test(meta.id) || parts.length < 3) fail('pluginname', `id ${meta.id} is not org-name-type`);
if (parts[parts.length - 1] !== meta.type) fail('typesuffix', `id ${meta.id} does not end with -${meta.type}`);
if (parts[0] === 'grafana') fail('pluginname', 'the grafana org is reserved');

// archive: the folder is named after the id.
if (!dir.endsWith('/' + meta.id)) fail('archive', `folder ${dir} is not named ${meta.id}`);

// readme, templatereadme, changelog, license.
for (const f of ['README.md', 'CHANGELOG.md', 'LICENSE']) {
  if (!existsSync(join(dir, f)) || read(f).trim() === '') fail(f === 'LICENSE' ? 'license' : f === 'README.md' ? 'readme' : 'changelog', `missing or empty ${f}`);
}
if (existsSync(join(dir, 'README.md'))) {
  const readme = read('README.md');
  if (/template|create-plugin|{{/i.test(readme.split('\n')[0])) fail('templatereadme', 'README.md is the scaffold template');
  if (/\]\((?!https?:)(?!#)([^)]+)\)/.test(readme)) fail('brokenlinks', 'README.md links to a relative path the catalog cannot show');
}
if (existsSync(join(dir, 'LICENSE')) && !/Apache License\s+Version 2\.0/.test(read('LICENSE'))) fail('license', 'LICENSE is not a recognised license text');
if (existsSync(join(dir, 'CHANGELOG.md')) && !read('CHANGELOG.md').includes(`## ${meta.info?.version}`)) {
  fail('changelog', `CHANGELOG.md has no entry for ${meta.info?.version}`);
}

// logos, screenshots, metadatapaths, unsafesvg: every path plugin.json names exists.
const paths = [meta.info?.logos?.small, meta.info?.logos?.large, ...(meta.info?.screenshots || []).map((s) => s.path)];
if (!meta.info?.screenshots?.length) fail('screenshots', 'plugin.json: should include screenshots for the Plugin catalog');
for (const p of paths) {
  if (!p || !existsSync(join(dir, p))) fail('metadatapaths', `plugin.json names ${p}, not in the archive`);
  else if (p.endsWith('.svg') && /<script|on[a-z]+=/i.test(read(p))) fail('unsafesvg', `${p} has script`);
}
for (const s of meta.info?.screenshots || []) {
  if (!s.path?.trim() || !s.name?.trim()) fail('screenshots', `screenshot ${JSON.stringify(s)} without path or name`);
  else if (existsSync(join(dir, s.path)) && !readFileSync(join(dir, s.path)).subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    fail('screenshots', `${s.path} is not a PNG`);
  }
}
for (const inc of meta.includes || []) {
  if (inc.path && !existsSync(join(dir, inc.path))) fail('metadatapaths', `include ${inc.path} is not in the archive`);
}

// modulejs, jssourcemap: module.js with its source map, whose sources are
// the files under src/ as they are (the validator compares them with the
// source code).
if (!existsSync(join(dir, 'module.js'))) fail('modulejs', 'missing module.js');
if (!existsSync(join(dir, 'module.js.map'))) fail('jssourcemap', 'missing module.js.map');
else {
  const map = JSON.parse(read('module.js.map'));
  if (!map.sources?.length || map.sources.length !== map.sourcesContent?.length) fail('jssourcemap', 'sources and sourcesContent differ in length');
  map.sources.forEach((s, i) => {
    const rel = s.replace(/^webpack:\/*/, '').replace(`${meta.id}/`, '');
    const file = join(src, 'src', rel);
    if (!existsSync(file)) fail('jssourcemap', `source ${s} is not in src/`);
    else if (readFileSync(file, 'utf8') !== map.sourcesContent[i]) fail('jssourcemap', `source ${s} differs from ${file}`);
  });
  if (!read('module.js').trimEnd().endsWith('//# sourceMappingURL=module.js.map')) fail('jssourcemap', 'module.js does not name its map');
}

// backendbinary, binarypermissions: the executable for linux amd64 and arm64, executable.
if (meta.backend) {
  for (const arch of ['amd64', 'arm64']) {
    const f = join(dir, `${meta.executable}_linux_${arch}`);
    if (!existsSync(f)) fail('backendbinary', `missing ${meta.executable}_linux_${arch}`);
    else if ((statSync(f).mode & 0o111) === 0) fail('binarypermissions', `${f} is not executable`);
  }
  // gomanifest: go_plugin_build_manifest lists the Go sources with their sha256.
  if (!existsSync(join(dir, 'go_plugin_build_manifest'))) fail('gomanifest', 'missing go_plugin_build_manifest');
  else {
    const root = resolve(src, '../..');
    for (const line of read('go_plugin_build_manifest').split('\n').filter(Boolean)) {
      const [sum, path] = line.split(':');
      const file = join(root, path);
      if (!existsSync(file) || createHash('sha256').update(readFileSync(file)).digest('hex') !== sum) fail('gomanifest', `${path} does not match the manifest`);
    }
  }
}

// trackingscripts: no analytics in the frontend.
if (existsSync(join(dir, 'module.js')) && /google-analytics|googletagmanager|segment\.io/.test(read('module.js'))) fail('trackingscripts', 'module.js loads a tracking script');

const files = readdirSync(dir);
if (problems.length > 0) {
  console.error(`plugin archive ${dir}: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`plugin archive ${dir}: the validator's offline checks pass (${files.length} entries)`);
