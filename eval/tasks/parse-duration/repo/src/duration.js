const MS_PER_UNIT = { h: 3_600_000, m: 1_000, s: 1_000 };

/** "1h30m", "2m", "45s" → milliseconds; throws on anything else. */
export function parseDuration(text) {
  const parts = [...text.matchAll(/(\d+)([hms])/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text) throw new Error(`not a duration: "${text}"`);
  return parts.reduce((total, [, amount, unit]) => total + Number(amount) * MS_PER_UNIT[unit], 0);
}
