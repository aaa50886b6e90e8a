// The remote_addr field of every line: gallra's byte-level truncation
// against ipaddr.js doing the same job, on a realistic mix of addresses.
import ipaddr from 'ipaddr.js';
import { DEFAULT_IP_TRUNCATION, truncateIp, truncateIpListAt } from '../../dist/transforms/truncate-ip.js';
import { runSuite } from './suite.mjs';

const addrs = [];
for (let i = 0; i < 4096; i++) {
  const r = (i * 2654435761) >>> 0;
  if (i % 5 === 4) addrs.push(`2a02:8108:${(r & 0xffff).toString(16)}:${(r >>> 16).toString(16)}:1c2b:${(i & 0xfff).toString(16)}:9a:${(r & 0xfff).toString(16)}`);
  else addrs.push(`${81 + (r & 63)}.${(r >>> 8) & 255}.${(r >>> 16) & 255}.${1 + ((r >>> 24) % 254)}`);
}
const text = addrs.join('\n');
const bytes = Buffer.from(text, 'latin1');
const offsets = [];
for (let p = 0, k = 0; k < addrs.length; k++) {
  offsets.push(p);
  p += addrs[k].length + 1;
}
let i = 0;
const viaIpaddr = (s) => {
  const ip = ipaddr.parse(s);
  if (ip.kind() === 'ipv4') return ipaddr.IPv4.networkAddressFromCIDR(`${s}/24`).toString();
  return ipaddr.IPv6.networkAddressFromCIDR(`${s}/48`).toRFC5952String();
};
const sample = addrs.slice(0, 64);
runSuite('truncate-ip on a 80/20 IPv4/IPv6 mix', [
  {
    name: 'truncateIpListAt on the line bytes (ships)',
    fn: () => {
      const k = i++ & 4095;
      return truncateIpListAt(addrs[k], bytes, offsets[k], DEFAULT_IP_TRUNCATION);
    },
    check: () => sample.map((s, k) => truncateIpListAt(s, bytes, offsets[k], DEFAULT_IP_TRUNCATION)),
    ships: true,
  },
  { name: 'truncateIp on the string (encodes first)', fn: () => truncateIp(addrs[i++ & 4095], DEFAULT_IP_TRUNCATION), check: () => sample.map((s) => truncateIp(s, DEFAULT_IP_TRUNCATION)) },
  { name: 'ipaddr.js parse + networkAddressFromCIDR', fn: () => viaIpaddr(addrs[i++ & 4095]), check: () => sample.map(viaIpaddr) },
]);
