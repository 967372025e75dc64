// The `env` module: read-only access to the supervisor's filtered environment, never process.env.
// Variables denied by the call's scope (action env.get) are hidden; env.set is always refused.
import { describe, expect, it } from 'vitest';
import { envModule as E } from '../../src/modules/env.js';
import { parsePolicy } from '../../src/security/policy.js';
import { createScope } from '../../src/security/scope.js';
import { ctxWith, failure, fn } from './privileged-fixture.js';

describe('env module', () => {
  const ctx = ctxWith({ env: { APP_MODE: 'dev', PORT: '8080' } });

  it('get returns a visible variable; an unset one is NotFound', async () => {
    expect(await fn(E, ctx, 'get', 'PORT')).toBe('8080');
    const err = await failure(fn(E, ctx, 'get', 'MISSING'));
    expect(err).toMatchObject({ code: 'MODULE_ERROR', kind: 'NotFound' });
    expect(err.message).toContain('MISSING');
  });

  it('only sees the filtered view, not process.env', async () => {
    expect(process.env.PATH).toBeDefined();
    expect(await failure(fn(E, ctx, 'get', 'PATH'))).toMatchObject({ kind: 'NotFound' });
    expect(await fn(E, ctx, 'get_all')).toEqual({ APP_MODE: 'dev', PORT: '8080' });
  });

  it('is read-only and needs the env service', async () => {
    expect(await failure(() => fn(E, ctx, 'set', 'PORT', '1'))).toMatchObject({ kind: 'PermissionDenied' });
    expect(await failure(fn(E, ctxWith({}), 'get', 'PORT'))).toMatchObject({ kind: 'Unavailable' });
    expect(await failure(() => fn(E, ctx, 'get', 42))).toMatchObject({ code: 'MODULE_ARG_ERROR' });
  });

  it('hides variables the call scope denies (env.get)', async () => {
    const deny = parsePolicy('t:no_secrets', 't', { actions: 'env.get', resources: 'SECRET_*', effect: 'deny' }, undefined);
    const scoped = ctxWith({ env: { PORT: '8080', SECRET_KEY: 'k' }, scope: createScope([deny]) });
    expect(await fn(E, scoped, 'get_all')).toEqual({ PORT: '8080' });
    expect(await failure(fn(E, scoped, 'get', 'SECRET_KEY'))).toMatchObject({ kind: 'PermissionDenied' });
    expect(await fn(E, scoped, 'get', 'PORT')).toBe('8080');
  });
});
