/** List prices in US dollars per million tokens, by model family; the run's cost in meta is an estimate from these. */
const PRICES_PER_MILLION: Array<{ prefix: string; input: number; output: number }> = [
  { prefix: 'claude-opus', input: 5, output: 25 },
  { prefix: 'claude-sonnet', input: 3, output: 15 },
  { prefix: 'claude-haiku', input: 1, output: 5 },
];
const FALLBACK_PRICE = { input: 3, output: 15 };

export function estimateCostUsd(model: string, inputTokens: number, outputTokens: number): number {
  const price = PRICES_PER_MILLION.find((entry) => model.startsWith(entry.prefix)) ?? FALLBACK_PRICE;
  return (inputTokens * price.input + outputTokens * price.output) / 1_000_000;
}
