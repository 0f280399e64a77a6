import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIpv6, formatNetwork, parseIpv4, parseIpv6, parseNetwork, type Family } from '../../../server/src/core/save/addresses';

test('networks as iptables-save prints them', () => {
  const table: ReadonlyArray<[Family, string, string | undefined]> = [
    ['ipv4', '10.180.0.3', '10.180.0.3/32'],
    ['ipv4', '10.1.2.3/8', '10.0.0.0/8'],
    ['ipv4', '10.0.0.0/255.0.0.0', '10.0.0.0/8'],
    ['ipv4', '10.0.255.0/255.0.255.0', '10.0.255.0/255.0.255.0'],
    ['ipv4', '010.1.2', '8.1.2.0/32'],
    ['ipv4', '0.0.0.0/0', '0.0.0.0/0'],
    ['ipv4', '1.2.3.256', undefined],
    ['ipv4', '10.0.0.0/33', undefined],
    ['ipv4', 'example.com', undefined],
    ['ipv6', '2001:DB8::1', '2001:db8::1/128'],
    ['ipv6', '2001:db8:0:0::/64', '2001:db8::/64'],
    ['ipv6', '2001:db8::1/48', '2001:db8::/48'],
    ['ipv6', '::ffff:1.2.3.4', '::ffff:1.2.3.4/128'],
    ['ipv6', '::2:3', '::0.2.0.3/128'],
    ['ipv6', 'fd00::1::2', undefined],
  ];
  for (const [family, input, expected] of table) {
    const net = parseNetwork(input, family);
    assert.equal(net && formatNetwork(net, family), expected, input);
  }
});

test('IPv6 text is glibc inet_ntop: the longest zero run (first on a tie, at least two groups) becomes ::', () => {
  const table: ReadonlyArray<[string, string]> = [
    ['1:0:0:1:0:0:0:1', '1:0:0:1::1'],
    ['1:0:0:0:1:0:0:0', '1::1:0:0:0'],
    ['0:0:1:0:0:1:0:0', '::1:0:0:1:0:0'],
    ['1:0:1:0:1:0:1:0', '1:0:1:0:1:0:1:0'],
    ['::', '::'],
    ['::1', '::1'],
    ['fe80::', 'fe80::'],
  ];
  for (const [input, expected] of table) assert.equal(formatIpv6(parseIpv6(input) ?? []), expected, input);
});

test('IPv4 parts are base 0 and a short address is completed with zeros', () => {
  assert.deepEqual(parseIpv4('10'), [10, 0, 0, 0]);
  assert.deepEqual(parseIpv4('0x0a.1.2.3'), [10, 1, 2, 3]);
  assert.equal(parseIpv4('1.2.3.4.5'), undefined);
});
