/** One CSV line → its fields. */
export function parseCsvLine(line) {
  return line.split(',');
}
