import { lookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { type AddressVerdict, judgeAddress } from "./ip-policy.ts";

/**
 * A POST to a URL a user gave us, sent to an address that was checked: the host is resolved once,
 * every address it resolves to must pass the policy, and the socket connects to the checked one
 * (node:http's `lookup` hook), so a DNS answer that changes between check and connect (DNS
 * rebinding) cannot steer the request. TLS still verifies the certificate against the URL's host.
 */

export type Resolver = (host: string) => Promise<string[]>;

export interface Destination {
  url: URL;
  address: string;
  family: 4 | 6;
}

export class UnsafeDestination extends Error {
  override name = "UnsafeDestination";
}

const MAX_RESPONSE_BYTES = 64 * 1024;

const systemResolver: Resolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** The address to connect to, or UnsafeDestination when the URL may not be reached. */
export async function vetDestination(rawUrl: string, options: { resolve?: Resolver; judge?: (address: string) => AddressVerdict } = {}): Promise<Destination> {
  const url = new URL(rawUrl);
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UnsafeDestination(`${url.protocol} URLs are not supported`);
  const judge = options.judge ?? judgeAddress;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const addresses = isIP(host) ? [host] : await (options.resolve ?? systemResolver)(host).catch(() => []);
  if (addresses.length === 0) throw new UnsafeDestination(`Cannot resolve ${host}`);
  // Every answer must pass: a name that also points inward is refused, whichever answer comes first.
  for (const address of addresses) {
    const verdict = judge(address);
    if (!verdict.allowed) throw new UnsafeDestination(verdict.reason);
  }
  const address = addresses[0]!;
  return { url, address, family: isIP(address) === 6 ? 6 : 4 };
}

/** POSTs body to the destination's checked address; resolves with the status (the body is read, capped, and dropped). */
export function postToDestination(destination: Destination, init: { headers: Record<string, string>; body: string; signal: AbortSignal }): Promise<number> {
  const { url, address, family } = destination;
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: "POST",
        headers: { ...init.headers, "content-length": String(Buffer.byteLength(init.body)) },
        signal: init.signal,
        lookup: (_host, options, callback) => {
          if ((options as { all?: boolean }).all) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
          else (callback as (e: null, a: string, f: number) => void)(null, address, family);
        },
      },
      (response) => {
        let seen = 0;
        response.on("data", (chunk: Buffer) => {
          seen += chunk.length;
          if (seen > MAX_RESPONSE_BYTES) response.destroy();
        });
        response.on("close", () => resolve(response.statusCode ?? 0));
        response.on("error", () => resolve(response.statusCode ?? 0));
      },
    );
    request.on("error", reject);
    request.end(init.body);
  });
}
