import { closest, distance } from 'fastest-levenshtein';

/**
 * The known word closest to what was typed, if it is close enough to be a typo (`trade_exector` →
 * `trade_executor`) rather than another word altogether.
 */
export function closestMatch(typed: string, known: readonly string[]): string | undefined {
  if (known.length === 0 || typed === '') return undefined;
  const lowered = typed.toLowerCase();
  const prefixed = known.filter((k) => k.startsWith(lowered));
  if (prefixed.length === 1) return prefixed[0];
  const best = closest(lowered, [...known]);
  return distance(lowered, best) <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

export function didYouMean(typed: string, known: readonly string[]): string {
  const match = closestMatch(typed, known);
  return match === undefined ? '' : ` Did you mean \`${match}\`?`;
}
