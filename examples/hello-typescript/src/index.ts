export { cartTotal, type CartLine } from './cart.js';
export { addMoney, formatMoney, type Money } from './money.js';
export { slugify } from './slugify.js';
