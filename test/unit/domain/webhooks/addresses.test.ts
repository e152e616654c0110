import { describe, expect, test } from '@jest/globals';
import { checkAddress, embeddedIPv4 } from '../../../../domain/webhooks/addresses';
import { checkEndpointUrl, WebhookProblem } from '../../../../domain/webhooks/endpoints';

/** SSRF rules on addresses and URLs (no network: pure functions). The transport's tests use resolver stubs. */
const prod = { allowLoopback: false };
const local = { allowLoopback: true };

const REFUSED = [
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['10.1.2.3', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['100.64.0.1', 'shared (CGNAT)'],
  ['169.254.169.254', 'link-local: the cloud metadata address'],
  ['169.254.0.1', 'link-local'],
  ['0.0.0.0', 'this network'],
  ['192.0.0.1', 'IETF'],
  ['192.0.2.1', 'documentation'],
  ['198.51.100.7', 'documentation'],
  ['203.0.113.9', 'documentation'],
  ['198.18.0.1', 'benchmarking'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['240.0.0.1', 'reserved'],
  ['255.255.255.255', 'broadcast'],
  ['::1', 'v6 loopback'],
  ['::', 'v6 unspecified'],
  ['fe80::1', 'v6 link-local'],
  ['fe80::1%eth0', 'v6 link-local with zone'],
  ['fc00::1', 'v6 unique-local'],
  ['fd12:3456::1', 'v6 unique-local'],
  ['ff02::1', 'v6 multicast'],
  ['2001:db8::1', 'v6 documentation'],
  ['2001::1', 'Teredo'],
  ['2002:7f00:1::', '6to4'],
  ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
  ['::ffff:7f00:1', 'IPv4-mapped loopback, hex form'],
  ['::ffff:169.254.169.254', 'IPv4-mapped metadata address'],
  ['::ffff:a9fe:a9fe', 'IPv4-mapped metadata address, hex form'],
  ['::ffff:10.0.0.1', 'IPv4-mapped private'],
  ['64:ff9b::a9fe:a9fe', 'NAT64 of the metadata address'],
  ['::127.0.0.1', 'IPv4-compatible (deprecated)'],
] as const;

describe('checkAddress', () => {
  test.each(REFUSED)('%s (%s) is refused', (address, _what) => {
    expect(checkAddress(address, prod).allowed).toBe(false);
  });

  test.each(['8.8.8.8', '1.1.1.1', '52.94.236.248', '2606:4700:4700::1111', '2a00:1450:4001::200e', '::ffff:8.8.8.8'])(
    '%s (public) is allowed',
    (address) => {
      expect(checkAddress(address, prod)).toEqual({ allowed: true });
    },
  );

  test('the local stage allows loopback only: nothing else internal', () => {
    expect(checkAddress('127.0.0.1', local).allowed).toBe(true);
    expect(checkAddress('::1', local).allowed).toBe(true);
    expect(checkAddress('::ffff:127.0.0.1', local).allowed).toBe(true);
    for (const address of ['169.254.169.254', '10.0.0.1', '192.168.0.1', 'fe80::1', '::ffff:169.254.169.254'])
      expect(checkAddress(address, local).allowed).toBe(false);
  });

  test('not an address at all is refused', () => {
    expect(checkAddress('', prod).allowed).toBe(false);
    expect(checkAddress('example.com', prod).allowed).toBe(false);
  });

  test('embedded IPv4 of mapped and NAT64 forms', () => {
    expect(embeddedIPv4('::ffff:1.2.3.4')).toBe('1.2.3.4');
    expect(embeddedIPv4('::ffff:0102:0304')).toBe('1.2.3.4');
    expect(embeddedIPv4('64:ff9b::102:304')).toBe('1.2.3.4');
    expect(embeddedIPv4('2606:4700::1')).toBeUndefined();
  });
});

describe('checkEndpointUrl', () => {
  const refused = (url: string, policy = prod) => {
    try {
      checkEndpointUrl(url, policy);
    } catch (error) {
      expect(error).toBeInstanceOf(WebhookProblem);
      return (error as WebhookProblem).message;
    }
    throw new Error(`${url} was accepted`);
  };

  test('outside the local stage: https on 443 only', () => {
    expect(checkEndpointUrl('https://hooks.example.com/orders?x=1', prod).href).toBe(
      'https://hooks.example.com/orders?x=1',
    );
    expect(checkEndpointUrl('https://hooks.example.com:443/', prod).port).toBe('');
    expect(refused('http://hooks.example.com/')).toMatch(/must be https/);
    expect(refused('https://hooks.example.com:8443/')).toMatch(/only port 443/);
    expect(refused('ftp://hooks.example.com/')).toMatch(/must be https/);
    expect(refused('https://user:pw@hooks.example.com/')).toMatch(/credentials/);
    expect(refused('hooks.example.com/x')).toMatch(/not an absolute URL/);
    expect(refused(`https://hooks.example.com/${'a'.repeat(2048)}`)).toMatch(/longer than/);
  });

  test('literal internal addresses are refused before any lookup, in every spelling the URL parser accepts', () => {
    for (const url of [
      'https://127.0.0.1/',
      'https://169.254.169.254/latest/meta-data/',
      'https://2130706433/', // 127.0.0.1 as one number
      'https://0x7f.1/', // 127.0.0.1, hex and short form
      'https://[::1]/',
      'https://[::ffff:169.254.169.254]/',
      'https://[fe80::1]/',
      'https://10.0.0.1/',
    ])
      expect(refused(url)).toMatch(/not a public address/);
  });

  test('the local stage takes http and any port, and still refuses internal non-loopback addresses', () => {
    expect(checkEndpointUrl('http://localhost:4020/webhooks', local).host).toBe('localhost:4020');
    expect(checkEndpointUrl('http://127.0.0.1:4020/', local).port).toBe('4020');
    expect(refused('http://169.254.169.254/', local)).toMatch(/not a public address/);
  });
});
