/**
 * The network a client address belongs to (ipaddr.js), for limits one actor cannot get around by
 * using more addresses of the same network: a share of the confirmations per IPv4 /24 or IPv6
 * /48, a day's unconfirmed confirmations per IPv4 /24 or IPv6 /32 (a provider's allocation: a
 * stranger can have many /48s, from a tunnel broker or a host, but few providers), and the
 * per-client signup limit per IPv4 address or IPv6 /64 (a home's or a server's IPv6 prefix gives
 * it billions of addresses).
 */
import ipaddr from "ipaddr.js";

const PREFIX = {
  share: { ipv4: 24, ipv6: 48 },
  provider: { ipv4: 24, ipv6: 32 },
  client: { ipv4: 32, ipv6: 64 },
} as const;

/**
 * `203.0.113.7` → `203.0.113.0/24`; `2001:db8:1:2::5` → `2001:db8:1::/48` (for "share"). An
 * IPv4-mapped IPv6 address counts as its IPv4 address. Anything that is not an address is its
 * own network (`unknown` stays `unknown`), so it never shares a bucket with a real network.
 */
export function networkOf(ip: string, kind: keyof typeof PREFIX): string {
  if (!ipaddr.isValid(ip)) return `other:${ip.slice(0, 64)}`;
  let address = ipaddr.parse(ip);
  if (address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    address = (address as ipaddr.IPv6).toIPv4Address();
  }
  const bits = address.kind() === "ipv4" ? PREFIX[kind].ipv4 : PREFIX[kind].ipv6;
  const cidr = `${address.toString()}/${bits}`;
  const network =
    address.kind() === "ipv4"
      ? ipaddr.IPv4.networkAddressFromCIDR(cidr)
      : ipaddr.IPv6.networkAddressFromCIDR(cidr);
  return `${network.toString()}/${bits}`;
}
