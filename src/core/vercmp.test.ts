import { describe, expect, test } from "bun:test";
import { type Order, vercmp } from "./vercmp";

const mirror = (o: Order): Order => (o === 0 ? 0 : o === 1 ? -1 : 1);

describe("vercmp pacman semantics", () => {
  const cases: [string, string, Order][] = [
    ["1.0", "1.0", 0],
    ["1.0", "1.1", -1],
    ["1.10", "1.9", 1],
    // Epoch first; an empty or absent epoch is 0.
    ["1:1.0", "2.0", 1],
    ["0:1.0", "1.0", 0],
    [":1.0", "1.0", 0],
    // The release counts only when both sides have one.
    ["1.5-1", "1.5", 0],
    ["1.5-1", "1.5-2", -1],
    ["1.5-2.1", "1.5-2", 1],
    // Numbers beat letters; a trailing alpha segment is older, a numeric one newer.
    ["1.0a", "1.0", -1],
    ["1.0.1", "1.0", 1],
    ["1.0rc1", "1.0", -1],
    ["1.a", "1.1", -1],
    // Leading zeros are ignored.
    ["1.001", "1.1", 0],
    // More consecutive separators win; all non-alphanumerics are plain separators.
    ["1..0", "1.0", 1],
    ["1.0", "1_0", 0],
    ["1.0", "1+0", 0],
    // `~` is just a separator to pacman (unlike dpkg or rpm >= 4.10).
    ["1.0~rc1", "1.0", 1],
    // Bytes, not characters: `é` is two separator bytes, `€` three.
    ["1é0", "1..0", 0],
    ["1€0", "1..0", 1],
    ["1€0", "1...0", 0],
    // Long numbers never overflow.
    ["123456789012345678901234567890", "123456789012345678901234567889", 1],
    ["", "", 0],
    ["", "1", -1],
    ["1-1", "1-", 1],
  ];
  test.each(cases)("%p vs %p is %p", (a, b, expected) => {
    expect(vercmp(a, b)).toBe(expected);
    expect(vercmp(b, a)).toBe(mirror(expected));
  });
});
