/** The integers from start to end, both included; empty when start > end. */
export function range(start, end) {
  const values = [];
  for (let value = start; value < end; value += 1) values.push(value);
  return values;
}
