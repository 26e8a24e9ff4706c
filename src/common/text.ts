// Lengths of text as the database counts them. PostgreSQL's varchar(n) holds n characters, i.e. Unicode
// code points (PostgreSQL docs, "Character Types"), not UTF-16 units (JavaScript's `length`, which
// counts an emoji as 2) nor validator.js's `isLength` (class-validator's Length/MaxLength, which
// counts a surrogate pair as 1 and does not count U+FE0E/U+FE0F at all, so `a` + U+FE0F repeated 200
// times passes MaxLength(255) and is 400 characters to PostgreSQL).

/** Whether `text` has between `bounds.min` and `bounds.max` code points (inclusive); never walks more than 2 * max UTF-16 units. */
export function codePointsWithin(text: string, bounds: { readonly min: number; readonly max: number }): boolean {
  // Each code point is 1 or 2 UTF-16 units: a quick answer before counting, so huge input costs nothing.
  if (text.length < bounds.min || text.length > 2 * bounds.max) return false;
  let count = 0;
  for (const _codePoint of text) count++;
  return count >= bounds.min && count <= bounds.max;
}
