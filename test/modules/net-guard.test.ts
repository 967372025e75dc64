// Egress classification and allow-list matching, and verifyTarget's use of every resolved address
// (a fake resolver stands in for DNS: nothing here connects anywhere).
import { describe, expect, it } from 'vitest';
import { blockedReason, isAllowed, netPolicyFrom, verifyTarget } from '../../src/modules/net-guard.js';

describe('net guard', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:7f00:1', 'loopback'],
  ])('classifies %s as %s', (address, reason) => {
    expect(blockedReason(address)).toBe(reason);
  });

  it.each(['8.8.8.8', '172.32.0.1', '1.1.1.1', '2606:4700::1111', '100.128.0.1'])('lets public %s through', (address) => {
    expect(blockedReason(address)).toBeUndefined();
  });

  it('matches allow entries by host, host:port and [v6]:port', () => {
    const policy = { allow: ['api.internal', '127.0.0.1:8080', '[::1]:9000'] };
    expect(isAllowed(policy, 'API.internal', 1)).toBe(true);
    expect(isAllowed(policy, '127.0.0.1', 8080)).toBe(true);
    expect(isAllowed(policy, '127.0.0.1', 8081)).toBe(false);
    expect(isAllowed(policy, '[::1]', 9000)).toBe(true);
    expect(isAllowed(policy, 'localhost', 8080)).toBe(false);
  });

  it('merges config and MICRO_AGI_NET_ALLOW', () => {
    expect(netPolicyFrom(['a'], { MICRO_AGI_NET_ALLOW: ' b:1 , a,' }).allow).toEqual(['a', 'b:1']);
    expect(netPolicyFrom('x,y', {}).allow).toEqual(['x', 'y']);
  });

  it('refuses a host when any resolved address is private, and pins the first address otherwise', async () => {
    const policy = { allow: [] };
    const mixed = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.5', family: 4 },
    ];
    await expect(verifyTarget(new URL('http://rebind.example/'), policy, mixed)).rejects.toMatchObject({ code: 'NET_DENIED', reason: 'private' });
    const pub = async () => [{ address: '93.184.216.34', family: 4 }];
    await expect(verifyTarget(new URL('https://ok.example/'), policy, pub)).resolves.toEqual({ address: '93.184.216.34', family: 4 });
    await expect(verifyTarget(new URL('ftp://ok.example/'), policy, pub)).rejects.toMatchObject({ reason: 'scheme' });
  });

  it('admits a refused address for an allowed host', async () => {
    const resolver = async () => [{ address: '10.0.0.5', family: 4 }];
    await expect(verifyTarget(new URL('http://db.internal:5984/'), { allow: ['db.internal:5984'] }, resolver)).resolves.toEqual({
      address: '10.0.0.5',
      family: 4,
    });
  });
});
