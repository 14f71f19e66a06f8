import { describe, expect, test } from "bun:test";
import { judgeAddress } from "./ip-policy.ts";

/** How a URL's host reaches the policy: WHATWG's parser first (it normalises 127.1, 0x7f.1, 2130706433). */
const hostOf = (url: string) => new URL(url).hostname.replace(/^\[|\]$/g, "");

describe("outbound address policy", () => {
  test.each([
    // the bypasses found by the attack pass
    "http://[::ffff:7f00:1]/",
    "http://[0:0:0:0:0:ffff:7f00:1]/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://[::127.0.0.1]/",
    "http://[64:ff9b::7f00:1]/",
    "http://198.18.0.1/",
    "http://224.0.0.1/",
    // other spellings of loopback and the metadata address
    "http://[::ffff:127.0.0.1]/",
    "http://[::FFFF:7F00:0001]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://127.1/",
    "http://0x7f.1/",
    "http://2130706433/",
    "http://0.0.0.0/",
    "http://[::]/",
    "http://[::1]/",
    "http://169.254.169.254/",
    // private, shared, special-purpose, multicast, broadcast (IPv4 registry)
    "http://10.0.0.1/",
    "http://100.64.0.1/",
    "http://172.31.255.255/",
    "http://192.0.0.170/",
    "http://192.0.2.1/",
    "http://192.31.196.1/",
    "http://192.52.193.1/",
    "http://192.88.99.1/",
    "http://192.168.1.1/",
    "http://192.175.48.1/",
    "http://198.51.100.1/",
    "http://203.0.113.1/",
    "http://239.255.255.250/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    // IPv6 registry and non-global blocks
    "http://[64:ff9b:1::1]/",
    "http://[100::1]/",
    "http://[2001::1]/",
    "http://[2001:2::1]/",
    "http://[2001:10::1]/",
    "http://[2001:20::1]/",
    "http://[2001:db8::1]/",
    "http://[2002:7f00:1::]/",
    "http://[2620:4f:8000::1]/",
    "http://[3fff::1]/",
    "http://[5f00::1]/",
    "http://[fc00::1]/",
    "http://[fd12:3456::1]/",
    "http://[fe80::1]/",
    "http://[fec0::1]/",
    "http://[ff02::1]/",
  ])("refuses %s", (url) => {
    expect(judgeAddress(hostOf(url)).allowed).toBe(false);
  });

  test.each(["http://93.184.216.34/", "http://[2606:4700::1111]/", "http://[::ffff:93.184.216.34]/", "http://[64:ff9b::5db8:d822]/", "http://8.8.8.8/"])(
    "allows the public address %s",
    (url) => {
      expect(judgeAddress(hostOf(url))).toEqual({ allowed: true });
    },
  );

  test("anything that is not an address is refused", () => {
    expect(judgeAddress("example.com").allowed).toBe(false);
    expect(judgeAddress("").allowed).toBe(false);
  });
});
