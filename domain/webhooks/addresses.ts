import { BlockList, isIP, isIPv4 } from 'node:net';

/**
 * Which IP addresses a webhook may be sent to (SSRF protection). Checked on the address a connection is about to
 * use, after DNS, so a name that resolves (or re-resolves: DNS rebinding) to an internal address is refused.
 *
 * IPv4: every public unicast address; refused are the IANA special-purpose blocks: "this network" 0/8, private
 * 10/8, 172.16/12, 192.168/16, shared 100.64/10, loopback 127/8, link-local 169.254/16 (the cloud metadata
 * address 169.254.169.254 among them), IETF 192.0.0/24, documentation 192.0.2/24, 198.51.100/24, 203.0.113/24,
 * 6to4 relay 192.88.99/24, benchmarking 198.18/15, multicast 224/4, reserved 240/4 (broadcast included).
 * IPv6: only global unicast 2000::/3 minus its special blocks (2001::/23 Teredo and IETF, 2001:db8::/32
 * documentation, 2002::/16 6to4, 3fff::/20 documentation); so loopback ::1, unspecified ::, unique-local fc00::/7,
 * link-local fe80::/10, multicast ff00::/8 are refused. An IPv4-mapped (::ffff:a.b.c.d) or NAT64 (64:ff9b::/96)
 * address is judged by the IPv4 address it carries.
 */
const refusedV4 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  refusedV4.addSubnet(network, prefix, 'ipv4');

const globalV6 = new BlockList();
globalV6.addSubnet('2000::', 3, 'ipv6');
const refusedV6 = new BlockList();
for (const [network, prefix] of [
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['3fff::', 20],
] as const)
  refusedV6.addSubnet(network, prefix, 'ipv6');

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** The 8 groups of an IPv6 address as numbers (handles `::` and a trailing dotted IPv4 part). */
const groupsOf = (address: string): number[] => {
  let text = address.toLowerCase().split('%')[0] ?? '';
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1] !== undefined) {
    const [a, b, c, d] = dotted[1].split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -dotted[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((group) => parseInt(group, 16));
};

/** The IPv4 address an IPv4-mapped (::ffff:0:0/96) or NAT64 (64:ff9b::/96) IPv6 address carries, if any. */
export const embeddedIPv4 = (address: string): string | undefined => {
  const g = groupsOf(address);
  const mapped = g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff;
  const nat64 = g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0);
  if (!mapped && !nat64) return undefined;
  const [hi = 0, lo = 0] = [g[6], g[7]];
  return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
};

export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

/**
 * Whether a webhook may connect to this IP address. `allowLoopback` is the local stage's exception (its receiver
 * listens on localhost); nothing else internal is ever allowed.
 */
export const checkAddress = (address: string, options: { allowLoopback: boolean }): AddressVerdict => {
  const family = isIP(address.split('%')[0] ?? '');
  if (family === 0) return { allowed: false, reason: `not an IP address: ${address}` };
  if (family === 6) {
    const v4 = embeddedIPv4(address);
    if (v4 !== undefined) return checkAddress(v4, options);
  }
  const type = isIPv4(address) ? 'ipv4' : 'ipv6';
  const bare = address.split('%')[0] ?? '';
  if (options.allowLoopback && loopback.check(bare, type)) return { allowed: true };
  const refused =
    type === 'ipv4' ? refusedV4.check(bare, 'ipv4') : !globalV6.check(bare, 'ipv6') || refusedV6.check(bare, 'ipv6');
  return refused ? { allowed: false, reason: `${address} is not a public address` } : { allowed: true };
};
