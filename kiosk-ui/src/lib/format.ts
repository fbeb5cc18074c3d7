// Small formatting helpers shared by the screens.

/** Length of `s` in UTF-8 bytes (the API's limits are in bytes: a Chinese character is 3). */
export function utf8Bytes(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** 09:05 in hall time (the browser's zone). */
export function clock(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** 2026-01-05 09:05:07 in the browser's zone. */
export function dateTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
