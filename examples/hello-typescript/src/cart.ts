import { addMoney, type Money } from './money.js';

export interface CartLine {
  sku: string;
  quantity: number;
  unitPrice: Money;
}

/** The cart's total; an empty cart costs nothing in the given currency. */
export function cartTotal(lines: CartLine[], currency: string): Money {
  return lines.reduce<Money>((total, line) => addMoney(total, { cents: line.unitPrice.cents * line.quantity, currency: line.unitPrice.currency }), { cents: 0, currency });
}
