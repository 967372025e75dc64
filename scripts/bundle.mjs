// Build step after tsc (`npm run build`): bundles tsc's dist/ output into dist/bundle/, one file per runtime
// entry (src/paths.ts RUNTIME_FILES) plus shared chunks, so a new thread loads a few files instead of hundreds.
//
// Why esbuild: a thread of ours imported 340+ ES modules when it started (the agent's worker: ~450 ms on these
// machines, the command itself as much again), and Node 20 has no module compile cache. Bundled, the agent
// worker loads in ~170 ms. Code splitting keeps every module in exactly one output, so a thread that loads two
// entries (a process host thread running the agent module, an isolate worker loading the tools module) has one
// instance of each module, as it had unbundled; the build fails if any module lands in two outputs.
// Packages that find files beside their own code at run time (native addons, wasm, worker scripts) stay
// external and load from node_modules; only pure-JS packages are bundled.
import { build } from 'esbuild';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUNDLED_PACKAGES = new Set(['openai', 'zod', 'yaml']);

/**
 * zod's index re-exports its 64 message locales as `z.locales`, and `import { z } from 'zod'` keeps them all
 * (a namespace object is not tree-shaken): ~360 KB every thread parsed at start (importing the agent worker:
 * median ~135 -> ~109 ms without them). We use zod's default, English, only; in the bundle the locales index
 * exports just `en`. The build fails if zod's files no longer match, rather than bundle them all again.
 */
let zodLocalesReplaced = false;
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => {
      zodLocalesReplaced = true;
      return { contents: 'export { default as en } from "./en.js";', resolveDir: dirname(args.path), loader: 'js' };
    });
  },
};

const { RUNTIME_FILES, BUNDLE_MANIFEST } = await import(pathToFileURL(join(root, 'dist', 'src', 'paths.js')).href);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const external = Object.keys(pkg.dependencies).filter((name) => !BUNDLED_PACKAGES.has(name));
const outdir = join(root, 'dist', 'bundle');

rmSync(outdir, { recursive: true, force: true });
const started = performance.now();
const result = await build({
  absWorkingDir: root,
  entryPoints: Object.fromEntries(Object.entries(RUNTIME_FILES).map(([name, file]) => [name, join(root, 'dist', file)])),
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  chunkNames: 'chunks/[name]-[hash]',
  plugins: [zodEnglishOnly],
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
  // CommonJS packages (yaml's Node build) require Node's built-in modules: give the ES modules a require.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
});

if (!zodLocalesReplaced) {
  rmSync(outdir, { recursive: true, force: true });
  throw new Error("bundle: zod's locales index (zod/v4/locales/index.js) was not found: update zodEnglishOnly for this zod");
}
// One module, one output: otherwise a thread loading two entries would hold two copies of its state.
const outputsOf = new Map();
for (const [out, meta] of Object.entries(result.metafile.outputs)) {
  for (const input of Object.keys(meta.inputs)) outputsOf.set(input, [...(outputsOf.get(input) ?? []), out]);
}
const twice = [...outputsOf].filter(([, outs]) => outs.length > 1);
if (twice.length > 0) {
  rmSync(outdir, { recursive: true, force: true });
  const list = twice.map(([input, outs]) => `  ${input} in ${outs.join(', ')}`).join('\n');
  throw new Error(`bundle: ${twice.length} module(s) would be loaded twice in one thread:\n${list}`);
}
// A dynamic import() of a CommonJS package yields only `default` in a bundle (Node's own loader also finds
// its named exports): such a package must be imported statically.
for (const [out, meta] of Object.entries(result.metafile.outputs)) {
  if (meta.entryPoint?.startsWith('node_modules/') && meta.exports.length === 1 && meta.exports[0] === 'default') {
    throw new Error(`bundle: ${meta.entryPoint} (CommonJS) is imported with import(); import it statically (${out})`);
  }
}
// Bundled CommonJS code may require() only Node's own modules (through the banner's require): a package
// required that way would be loaded outside the bundle, a second copy beside a bundled one.
for (const out of Object.keys(result.metafile.outputs)) {
  if (!out.endsWith('.js')) continue;
  const text = readFileSync(join(root, out), 'utf8');
  for (const [, name] of text.matchAll(/__require\("([^"]+)"\)/g)) {
    if (!isBuiltin(name)) throw new Error(`bundle: ${out} calls require("${name}"), not one of Node's modules`);
  }
}

const outputs = Object.entries(result.metafile.outputs).filter(([out]) => out.endsWith('.js'));
const bytes = outputs.reduce((sum, [, meta]) => sum + meta.bytes, 0);
writeFileSync(
  join(root, BUNDLE_MANIFEST),
  JSON.stringify({ entries: RUNTIME_FILES, files: outputs.map(([out]) => relative(outdir, join(root, out))), bytes }, null, 2) + '\n',
);
process.stderr.write(
  `bundle: ${Object.keys(RUNTIME_FILES).length} entries, ${outputs.length} files, ${(bytes / 1e6).toFixed(2)} MB, ${outputsOf.size} modules in ` +
    `${(performance.now() - started).toFixed(0)} ms\n`,
);
