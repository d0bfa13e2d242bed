/** A URL-safe slug of a title. */
export function slugify(text) {
  throw new Error(`slugify is not implemented yet (asked for "${text}")`);
}
