/** An amount in whole cents, so sums never pick up floating-point dust. */
export interface Money {
  cents: number;
  currency: string;
}

export function addMoney(left: Money, right: Money): Money {
  if (left.currency !== right.currency) throw new Error(`Cannot add ${left.currency} to ${right.currency}`);
  return { cents: left.cents + right.cents, currency: left.currency };
}

export function formatMoney(money: Money): string {
  const sign = money.cents < 0 ? '-' : '';
  const cents = Math.abs(money.cents);
  return `${sign}${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')} ${money.currency}`;
}
