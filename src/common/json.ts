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
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The path (`a.b.0.__proto__`) of the first prototype key in a JSON-like value at any depth, or
 * undefined when there is none. Iterative, so arbitrarily deep input (bounded only by the body
 * limit) cannot overflow the stack; arrays and objects of any prototype (class instances, the
 * null-prototype objects graphql-scalars builds) are walked, only own enumerable keys are read.
 */
export function prototypeKeyPath(value: unknown): string | undefined {
  // Parallel stacks of plain values (no object per visited node): each visited object remembers its
  // key and its parent's index, so a path is built only for the key refused (building every path
  // eagerly would cost quadratic memory on deep input).
  const names: string[] = [];
  const parents: number[] = [];
  const values: unknown[] = [value];
  const nodes: number[] = [-1];
  const visit = (key: string, child: unknown, node: number): void => {
    if (child === null || typeof child !== 'object') return;
    names.push(key);
    parents.push(node);
    values.push(child);
    nodes.push(names.length - 1);
  };
  while (values.length) {
    const current = values.pop() as object;
    const node = nodes.pop()!;
    if (Buffer.isBuffer(current) || current instanceof Date) continue;
    if (Array.isArray(current)) {
      for (let i = 0; i < current.length; i++) visit(String(i), current[i], node);
      continue;
    }
    for (const key of Object.keys(current)) {
      if (PROTOTYPE_KEYS.has(key)) return [...pathOf(names, parents, node), key].join('.');
      visit(key, (current as Record<string, unknown>)[key], node);
    }
  }
  return undefined;
}

function pathOf(names: readonly string[], parents: readonly number[], node: number): string[] {
  const parts: string[] = [];
  for (let i = node; i >= 0; i = parents[i]) parts.push(names[i]);
  return parts.reverse();
}

/** A UTF-16 surrogate without its pair: no Unicode character, so it has no UTF-8 form (RFC 3629 §3). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * True when a string, or any key or string at any depth of a JSON-like value, holds a lone
 * surrogate (what a JSON escape like "\ud800" decodes to, RFC 8259 §8.2). Stored, it would become
 * U+FFFD. Iterative, like prototypeKeyPath.
 */
export function hasLoneSurrogate(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length) {
    const current = pending.pop();
    if (typeof current === 'string') {
      if (LONE_SURROGATE.test(current)) return true;
    } else if (Array.isArray(current)) {
      for (const item of current) pending.push(item);
    } else if (current !== null && typeof current === 'object') {
      for (const [key, item] of Object.entries(current)) {
        if (LONE_SURROGATE.test(key)) return true;
        pending.push(item);
      }
    }
  }
  return false;
}
