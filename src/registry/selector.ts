// select(): entry selectors. `ns:name` exact; `ns:*` that namespace only (never sub-namespaces);
// `ns:prefix*`; and globs in the namespace part such as `app.*:*` (sub-namespaces of app, not app itself).
import { AppError } from '../errors/app-error.js';
import type { Entry } from '../../schemas/entry.js';
import { NAMESPACE_RE, NAME_RE } from '../../schemas/entry.js';
import { globToRegExp, isGlob } from './glob.js';

export type Selector =
  | { readonly type: 'id'; readonly id: string }
  | {
      readonly type: 'pattern';
      readonly test: (ns: string, name: string) => boolean;
      /** The one namespace the pattern can match, when its namespace part is not a glob. */
      readonly ns?: string;
    };

const NS_PATTERN_RE = /^[A-Za-z0-9_.*-]+$/;
const NAME_PATTERN_RE = /^[A-Za-z0-9_.*-]+$/;

function bad(selector: string, problem: string): AppError {
  return new AppError('REGISTRY_INVALID_ID', `selector ${JSON.stringify(selector)}: ${problem}`, { selector });
}

export function parseSelector(selector: string): Selector {
  if (typeof selector !== 'string') throw bad(String(selector), 'must be a string');
  const i = selector.indexOf(':');
  if (i <= 0 || i !== selector.lastIndexOf(':') || i === selector.length - 1) {
    throw bad(selector, 'expected "ns:name", "ns:*", "ns:prefix*" or a namespace glob like "app.*:*"');
  }
  const ns = selector.slice(0, i);
  const name = selector.slice(i + 1);
  if (!isGlob(ns) && !isGlob(name)) {
    if (!NAMESPACE_RE.test(ns) || !NAME_RE.test(name)) throw bad(selector, 'malformed entry id');
    return { type: 'id', id: selector };
  }
  if (!NS_PATTERN_RE.test(ns)) throw bad(selector, `malformed namespace pattern "${ns}"`);
  if (!NAME_PATTERN_RE.test(name)) throw bad(selector, `malformed name pattern "${name}"`);
  const nsTest = isGlob(ns) ? ((re) => (v: string) => re.test(v))(globToRegExp(ns)) : (v: string) => v === ns;
  const nameTest = name === '*' ? () => true : isGlob(name) ? ((re) => (v: string) => re.test(v))(globToRegExp(name)) : (v: string) => v === name;
  return { type: 'pattern', test: (n, m) => nsTest(n) && nameTest(m), ...(isGlob(ns) ? {} : { ns }) };
}

/**
 * Entries matching the selector, from `entries` (or the exact `get` for a plain id; `inNamespace`, when given,
 * narrows a pattern whose namespace is literal, e.g. `app.tools:*`, to that namespace's entries).
 */
export function selectEntries(
  entries: readonly Entry[],
  get: (id: string) => Entry | undefined,
  selector: string,
  inNamespace?: (ns: string) => readonly Entry[],
): Entry[] {
  const sel = parseSelector(selector);
  if (sel.type === 'id') {
    const e = get(sel.id);
    return e ? [e] : [];
  }
  const from = sel.ns !== undefined && inNamespace ? inNamespace(sel.ns) : entries;
  return from.filter((e) => {
    const c = e.id.indexOf(':');
    return sel.test(e.id.slice(0, c), e.id.slice(c + 1));
  });
}
