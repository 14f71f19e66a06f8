import { isIP } from "node:net";

/**
 * Which addresses a request our server makes on a user's behalf (webhooks) may reach: public
 * unicast only. Every range of IANA's IPv4 and IPv6 Special-Purpose Address Registries is refused,
 * plus multicast; an IPv6 address that carries an IPv4 one (IPv4-mapped, IPv4-compatible, NAT64
 * 64:ff9b::/96) is judged by the IPv4 address it carries, whatever way it is written.
 */

type Range = readonly [base: bigint, prefix: number];

/** IANA IPv4 Special-Purpose Address Registry, plus multicast (224.0.0.0/4) and 255.255.255.255. */
const SPECIAL_V4: readonly string[] = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.0.2.0/24",
  "192.31.196.0/24",
  "192.52.193.0/24",
  "192.88.99.0/24",
  "192.168.0.0/16",
  "192.175.48.0/24",
  "198.18.0.0/15",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "224.0.0.0/4",
  "240.0.0.0/4",
];

/**
 * IANA IPv6 Special-Purpose Address Registry, inside the global unicast block 2000::/3 (anything
 * outside it is refused anyway: ::/128, ::1, 100::/64, fc00::/7, fe80::/10, ff00::/8, 5f00::/16, …).
 * Whole blocks that embed or relay to other addresses (Teredo 2001::/32, 6to4 2002::/16) go too.
 */
const SPECIAL_V6_GLOBAL: readonly string[] = ["2001::/23", "2001:db8::/32", "2002::/16", "2620:4f:8000::/48", "3fff::/20"];

const V4_RANGES = SPECIAL_V4.map((cidr) => parseCidr(cidr, 4));
const V6_RANGES = SPECIAL_V6_GLOBAL.map((cidr) => parseCidr(cidr, 6));
const GLOBAL_UNICAST_V6 = parseCidr("2000::/3", 6);
const MAPPED_V4 = parseCidr("::ffff:0:0/96", 6);
const COMPATIBLE_V4 = parseCidr("::/96", 6);
const NAT64_WELL_KNOWN = parseCidr("64:ff9b::/96", 6);

export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

/** The verdict for one textual address (as a resolver or a URL gives it). Non-addresses are refused. */
export function judgeAddress(address: string): AddressVerdict {
  const family = isIP(address);
  if (family === 4) return judgeV4(parseV4(address)!);
  if (family !== 6) return { allowed: false, reason: `${address} is not an IP address` };
  const value = parseV6(address.replace(/%.*$/, ""));
  if (value === null) return { allowed: false, reason: `${address} is not an IP address` };
  // Forms that carry an IPv4 address are judged by it, so no spelling of 127.0.0.1 gets through.
  for (const range of [MAPPED_V4, NAT64_WELL_KNOWN, COMPATIBLE_V4]) {
    if (inRange(value, range, 128)) return judgeV4(value & 0xffffffffn);
  }
  if (!inRange(value, GLOBAL_UNICAST_V6, 128)) return { allowed: false, reason: `${address} is not a public unicast address` };
  if (V6_RANGES.some((range) => inRange(value, range, 128))) return { allowed: false, reason: `${address} is a special-purpose address` };
  return { allowed: true };
}

function judgeV4(value: bigint): AddressVerdict {
  if (value === 0xffffffffn || V4_RANGES.some((range) => inRange(value, range, 32))) {
    return { allowed: false, reason: `${formatV4(value)} is a private, loopback or special-purpose address` };
  }
  return { allowed: true };
}

function inRange(value: bigint, [base, prefix]: Range, bits: 32 | 128): boolean {
  const shift = BigInt(bits - prefix);
  return value >> shift === base >> shift;
}

function parseCidr(cidr: string, family: 4 | 6): Range {
  const [address, prefix] = cidr.split("/") as [string, string];
  const value = family === 4 ? parseV4(address) : parseV6(address);
  if (value === null) throw new Error(`bad range ${cidr}`);
  return [value, Number(prefix)];
}

/** Dotted-quad only: what a resolver returns and what the URL parser normalises every IPv4 spelling to. */
function parseV4(address: string): bigint | null {
  const parts = address.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return null;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n);
}

/** RFC 4291 text forms: `::` compression, an IPv4 tail, any case. */
function parseV6(address: string): bigint | null {
  let text = address.toLowerCase();
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const v4 = parseV4(tail[1]!);
    if (v4 === null) return null;
    text = `${text.slice(0, -tail[1]!.length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - rest.length;
  if ((halves.length === 2 && missing < 1) || (halves.length === 1 && missing !== 0)) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...rest];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}

function formatV4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => ((value >> shift) & 0xffn).toString()).join(".");
}
