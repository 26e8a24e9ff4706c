/**
 * Serialised size of a JSON value in bytes, or Infinity when it cannot be serialised (e.g. nesting
 * deep enough to overflow the stack): callers compare it with a limit, and such input is over any.
 */
export function jsonByteLength(value: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(value));
  } catch {
    return Infinity;
  }
}

/**
 * Object keys that name JavaScript's prototype machinery. `JSON.parse` (and graphql-js for object
 * literals) makes them ordinary own keys, but code that later merges or copies the value
 * (`Object.assign`, a `for...in` copy, a deep merge) may then set the prototype instead: prototype
 * pollution (OWASP "Prototype Pollution Prevention Cheat Sheet"). No legitimate input uses them.
 */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The path (`a.b.0.__proto__`) of the first prototype key in a JSON-like value at any depth, or
 * undefined when there is none. Iterative, so arbitrarily deep input (bounded only by the body
 * limit) cannot overflow the stack; arrays and objects of any prototype (class instances, the
 * null-prototype objects graphql-scalars builds) are walked, only own enumerable keys are read.
 */
export function prototypeKeyPath(value: unknown): string | undefined {
  // Each visited key remembers its parent's index, so a path is built only for the key refused
  // (building every path eagerly would cost quadratic memory on deep input).
  const keys: Array<{ key: string; parent: number }> = [];
  const pending: Array<{ value: unknown; node: number }> = [{ value, node: -1 }];
  while (pending.length) {
    const { value: current, node } = pending.pop()!;
    if (current === null || typeof current !== 'object' || Buffer.isBuffer(current) || current instanceof Date) continue;
    for (const key of Object.keys(current)) {
      keys.push({ key, parent: node });
      if (PROTOTYPE_KEYS.has(key)) return pathOf(keys, keys.length - 1);
      pending.push({ value: (current as Record<string, unknown>)[key], node: keys.length - 1 });
    }
  }
  return undefined;
}

function pathOf(keys: ReadonlyArray<{ key: string; parent: number }>, index: number): string {
  const parts: string[] = [];
  for (let i = index; i >= 0; i = keys[i].parent) parts.push(keys[i].key);
  return parts.reverse().join('.');
}
