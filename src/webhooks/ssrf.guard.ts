// Receivers are untrusted (OWASP SSRF Prevention Cheat Sheet): an endpoint's URL must be https (http
// only to localhost or 127.0.0.1 outside production), and, unless the deployment allows private
// addresses, every address it resolves to must be public unicast. The address checked is the one
// connected to (`pinnedLookup` answers the socket's own lookup), so a DNS answer that changes between
// check and connect (DNS rebinding) cannot reach an internal service.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { InvalidWebhookUrlError } from './webhook.errors';

/** Hosts that may be reached over plain http outside production (local development receivers). */
const LOCAL_HTTP_HOSTS = new Set(['localhost', '127.0.0.1']);
const MAX_URL_LENGTH = 2048;

/**
 * The endpoint URL as stored, or INVALID_WEBHOOK_URL: absolute, https (http only to a local host
 * outside production), no user info (credentials in URLs end up in logs), no fragment.
 */
export function parseEndpointUrl(raw: string, production: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidWebhookUrlError();
  }
  if (raw.length > MAX_URL_LENGTH || url.username || url.password || url.hash) throw new InvalidWebhookUrlError();
  if (url.protocol === 'https:') return url.href;
  if (url.protocol === 'http:' && !production && LOCAL_HTTP_HOSTS.has(url.hostname)) return url.href;
  throw new InvalidWebhookUrlError();
}

/** Why a receiver's address is refused (recorded as the attempt's error; never sent anywhere). */
export class RefusedAddressError extends Error {
  override readonly name = 'RefusedAddressError';
}

/**
 * IPv6 global unicast (RFC 4291 §2.4, IANA IPv6 Address Space): ipaddr.js calls every address outside
 * its special ranges "unicast", including the deprecated IPv4-compatible ::a.b.c.d (RFC 4291 §2.5.5.1),
 * which some stacks still route to the embedded IPv4 address (::127.0.0.1 to loopback).
 */
const IPV6_GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3');

/**
 * Whether `address` (IPv4 or IPv6 text) is public unicast; IPv4-mapped IPv6 is judged as its IPv4,
 * and any other IPv6 must also lie in global unicast 2000::/3.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4') return parsed.range() === 'unicast';
  const v6 = parsed as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().range() === 'unicast';
  return v6.range() === 'unicast' && v6.match(IPV6_GLOBAL_UNICAST);
}

/**
 * Throws RefusedAddressError for a non-public `address` unless private ones are allowed. The error
 * (recorded, and read back by the project through webhookDeliveries) does not name the address: a
 * project could otherwise resolve the deployment's internal names through it (OWASP SSRF Prevention
 * Cheat Sheet: return no raw answer to the requester).
 */
function checkAddress(address: string, allowPrivate: boolean): void {
  if (!allowPrivate && !isPublicAddress(address)) throw new RefusedAddressError('refused: the receiver resolves to an address that is not public (WEBHOOK_ALLOW_PRIVATE_ADDRESSES)');
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `net.connect` lookup that resolves the host, refuses it when any of its addresses is refused
 * (a name that also points inside is not a public receiver), and connects to the first one checked.
 */
export function pinnedLookup(allowPrivate: boolean) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    dnsLookup(hostname, { all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      try {
        if (!addresses.length) throw new RefusedAddressError(`refused: ${hostname} resolves to no address`);
        for (const { address } of addresses) checkAddress(address, allowPrivate);
      } catch (refusal) {
        return callback(refusal as NodeJS.ErrnoException, []);
      }
      const first = addresses[0];
      if (options.all) return callback(null, [first]);
      callback(null, first.address, first.family);
    });
  };
}

/** For a URL whose host is an IP literal (no lookup happens): the check, before connecting. */
export function checkLiteralHost(url: URL, allowPrivate: boolean): void {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) checkAddress(host, allowPrivate);
}
