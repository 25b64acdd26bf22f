// Durations as people write them in settings and read them in logs: `90m`, `4h`, `1h30m`, `45s`, plain seconds.

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * A duration as people write it: `90m`, `4h`, `1h30m`, `45s`, or plain seconds (`3600`). Returns
 * milliseconds, or null when `text` is none of these.
 */
export function parseDuration(text: string): number | null {
  const value = text.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  if (!/^(\d+[smhd])+$/.test(value)) return null;
  let ms = 0;
  for (const [, amount, unit] of value.matchAll(/(\d+)([smhd])/g))
    ms += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  return ms;
}

/** `14400000` → `4h`, `5400000` → `1h30m`, `45000` → `45s`: the shortest way parseDuration reads back. */
export function formatDuration(ms: number): string {
  let rest = Math.round(ms / 1000);
  if (rest === 0) return `${ms}ms`;
  let out = "";
  // Hours at most: "keep for 24h" reads better than "1d".
  for (const [unit, size] of [
    ["h", 3_600],
    ["m", 60],
    ["s", 1],
  ] as const) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}
