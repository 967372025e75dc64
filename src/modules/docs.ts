// The `docs` tool module (privileged, runs inside the isolate worker): search the local reference pages
// (docs/**/*.md), read one page by path (through the per-process doc index), name the remote docs endpoint.
import { docIndexFor, MAX_SEARCH_LIMIT, type DocIndex } from '../docs/doc-index.js';
import { docsDir } from '../paths.js';
import { typeName } from './bytes.js';
import { asString, isTable } from './guest-data.js';
import { ArgumentFailure, ModuleFailure, type CallContext, type GuestValue, type ModuleSpec } from './module-spec.js';

function index(): DocIndex {
  try {
    return docIndexFor(docsDir());
  } catch (err) {
    throw new ModuleFailure('Unavailable', `docs: the documentation cannot be read (${err instanceof Error ? err.message : String(err)})`);
  }
}

function limitArg(options: GuestValue | undefined): number | undefined {
  if (options === undefined || options === null) return undefined;
  if (Array.isArray(options) && options.length === 0) return undefined;
  if (!isTable(options)) throw new ArgumentFailure(`docs.search: options must be a table {limit = n}, got ${typeName(options)}`);
  const limit = options.limit;
  if (limit === undefined || limit === null) return undefined;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) {
    throw new ArgumentFailure(`docs.search: options.limit must be an integer from 1 to ${MAX_SEARCH_LIMIT}`);
  }
  return limit;
}

/** The pool's moduleConfig.docs.remote without trailing slashes, or null when none is configured. */
function remoteBase(ctx: CallContext): string | null {
  const remote = ctx.moduleConfig?.['docs']?.['remote'];
  if (typeof remote !== 'string') return null;
  const base = remote.trim().replace(/\/+$/, '');
  return base === '' ? null : base;
}

export const docsModule: ModuleSpec = {
  name: 'docs',
  privileged: true,
  summary:
    'The local reference pages: docs.search(query, {limit?}) -> {{path, title, score, snippet}}, err (best first, default 5 hits); ' +
    'docs.page(path) -> {path, title, content}, err (content cut at 8000 characters; NotFound names the nearest paths); docs.paths() -> list; ' +
    'docs.remote() -> the remote docs endpoint the app configured (e.g. https://wippy.ai/llm, no trailing slash) or nil.',
  functions: {
    search: (_ctx, query, options) => {
      const text = asString(query ?? null, 'docs.search: query');
      const limit = limitArg(options);
      if (text.trim() === '') throw new ModuleFailure('Invalid', 'docs.search: the query is empty');
      const hits = index().search(text, limit === undefined ? {} : { limit });
      return hits.map((h) => ({ path: h.path, title: h.title, score: h.score, snippet: h.snippet }));
    },
    page: (_ctx, path) => {
      const wanted = asString(path ?? null, 'docs.page: path');
      if (wanted.trim() === '') throw new ModuleFailure('Invalid', 'docs.page: the path is empty');
      const idx = index();
      const page = idx.page(wanted);
      if (!page) {
        const near = idx.near(wanted);
        throw new ModuleFailure('NotFound', `docs.page: no page "${wanted}"; nearest: ${near.join(', ')}`, {
          details: { path: wanted, near },
        });
      }
      return { path: page.path, title: page.title, content: page.content };
    },
    paths: () => index().paths(),
    remote: (ctx) => remoteBase(ctx),
  },
};
