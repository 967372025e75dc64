// Policy conditions: every operator, numeric vs text comparison, value_from, missing fields -> undefined.
// Exercised through real policies so the observable effect (allow vs undefined) is what is asserted.
import { describe, expect, it } from 'vitest';
import { evaluatePolicy, parsePolicy } from '../../src/security/policy.js';
import type { Actor } from '../../src/security/types.js';

const actor: Actor = {
  id: 'user:ann',
  meta: { role: 'admin', level: '7', tags: ['ops', 'dev'], team: { name: 'core', size: 4 }, note: 'on call today' },
};

function decide(condition: Record<string, unknown>, meta?: Record<string, unknown>, who: Actor = actor) {
  const p = parsePolicy('test:p', 'test', { actions: '*', resources: '*', effect: 'allow', conditions: [condition] }, undefined);
  return evaluatePolicy(p, who, 'doc.read', 'app:thing', meta);
}

describe('policy conditions', () => {
  const rows: [string, Record<string, unknown>, 'allow' | undefined][] = [
    ['eq text', { field: 'actor.meta.role', operator: 'eq', value: 'admin' }, 'allow'],
    ['eq text mismatch', { field: 'actor.meta.role', operator: 'eq', value: 'user' }, undefined],
    ['eq numeric when both parse as numbers', { field: 'actor.meta.level', operator: 'eq', value: 7.0 }, 'allow'],
    ['eq numeric "07" == 7', { field: 'actor.meta.level', operator: 'eq', value: '07' }, 'allow'],
    ['ne', { field: 'actor.meta.role', operator: 'ne', value: 'user' }, 'allow'],
    ['ne equal', { field: 'actor.meta.role', operator: 'ne', value: 'admin' }, undefined],
    ['lt', { field: 'actor.meta.level', operator: 'lt', value: 8 }, 'allow'],
    ['lt false', { field: 'actor.meta.level', operator: 'lt', value: 7 }, undefined],
    ['lte', { field: 'actor.meta.level', operator: 'lte', value: 7 }, 'allow'],
    ['gt', { field: 'actor.meta.team.size', operator: 'gt', value: 3 }, 'allow'],
    ['gte false', { field: 'actor.meta.team.size', operator: 'gte', value: 5 }, undefined],
    ['lt on a non-number field is undefined', { field: 'actor.meta.role', operator: 'lt', value: 5 }, undefined],
    ['in list', { field: 'actor.meta.role', operator: 'in', value: ['user', 'admin'] }, 'allow'],
    ['in single string', { field: 'actor.meta.role', operator: 'in', value: 'admin' }, 'allow'],
    ['in miss', { field: 'actor.meta.role', operator: 'in', value: ['user'] }, undefined],
    ['nin', { field: 'actor.meta.role', operator: 'nin', value: ['user', 'guest'] }, 'allow'],
    ['nin hit', { field: 'actor.meta.role', operator: 'nin', value: ['admin'] }, undefined],
    ['exists true', { field: 'actor.meta.team.name', operator: 'exists', value: true }, 'allow'],
    ['exists on missing', { field: 'actor.meta.missing', operator: 'exists', value: true }, undefined],
    ['exists false on missing', { field: 'actor.meta.missing', operator: 'exists', value: false }, 'allow'],
    ['nexists on missing', { field: 'actor.meta.missing', operator: 'nexists', value: true }, 'allow'],
    ['nexists on present', { field: 'actor.meta.role', operator: 'nexists', value: true }, undefined],
    ['contains substring', { field: 'actor.meta.note', operator: 'contains', value: 'call' }, 'allow'],
    ['contains list member', { field: 'actor.meta.tags', operator: 'contains', value: 'ops' }, 'allow'],
    ['contains miss', { field: 'actor.meta.tags', operator: 'contains', value: 'qa' }, undefined],
    ['ncontains', { field: 'actor.meta.tags', operator: 'ncontains', value: 'qa' }, 'allow'],
    ['ncontains hit', { field: 'actor.meta.note', operator: 'ncontains', value: 'call' }, undefined],
    ['matches', { field: 'actor.id', operator: 'matches', value: '^user:[a-z]+$' }, 'allow'],
    ['matches miss', { field: 'actor.id', operator: 'matches', value: '^service:' }, undefined],
    ['nmatches', { field: 'actor.id', operator: 'nmatches', value: '^service:' }, 'allow'],
    ['action field', { field: 'action', operator: 'eq', value: 'doc.read' }, 'allow'],
    ['resource field', { field: 'resource', operator: 'matches', value: '^app:' }, 'allow'],
    ['missing field makes eq undefined', { field: 'actor.meta.nope', operator: 'eq', value: 'x' }, undefined],
    ['missing field makes ne undefined too', { field: 'actor.meta.nope', operator: 'ne', value: 'x' }, undefined],
  ];
  it.each(rows)('%s', (_name, condition, expected) => {
    expect(decide(condition)).toBe(expected);
  });

  it('reads request meta through meta.<key>.<key>', () => {
    const c = { field: 'meta.owner.id', operator: 'eq', value: 'user:ann' };
    expect(decide(c, { owner: { id: 'user:ann' } })).toBe('allow');
    expect(decide(c, { owner: { id: 'user:bob' } })).toBeUndefined();
    expect(decide(c)).toBeUndefined();
  });

  it('value_from compares against another field', () => {
    const c = { field: 'meta.owner', operator: 'eq', value_from: 'actor.id' };
    expect(decide(c, { owner: 'user:ann' })).toBe('allow');
    expect(decide(c, { owner: 'user:bob' })).toBeUndefined();
    const missing = { field: 'meta.owner', operator: 'eq', value_from: 'actor.meta.absent' };
    expect(decide(missing, { owner: 'user:ann' })).toBeUndefined();
  });

  it('all conditions must hold (AND)', () => {
    const p = parsePolicy('test:and', 'test', {
      actions: '*', resources: '*', effect: 'deny',
      conditions: [
        { field: 'actor.meta.role', operator: 'eq', value: 'admin' },
        { field: 'actor.meta.level', operator: 'gt', value: 9 },
      ],
    }, undefined);
    expect(evaluatePolicy(p, actor, 'a', 'r')).toBeUndefined();
    expect(evaluatePolicy(p, { id: 'x:y', meta: { role: 'admin', level: 10 } }, 'a', 'r')).toBe('deny');
  });
});
