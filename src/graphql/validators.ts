// class-validator decorators for the inputs' bounds, shared by every feature. Each takes its bounds
// from the feature's constants module (src/constants) and its catalogue code or message through
// `context` (src/graphql/validation.ts reads it). A failure is answered asynchronously on purpose:
// class-validator 0.15 attaches a constraint's `context` to custom validators' failures only on its
// async path. A pass is answered synchronously, so the common case (valid or absent fields) adds no
// promise to class-validator's run; an async pass would have added nothing to its result either.
import { registerDecorator, type ValidationOptions } from 'class-validator';
import { jsonByteLength } from '../common/json';
import { codePointsWithin } from '../common/text';

/** The answer of every failing rule (a settled promise: see above). */
const FAILED: Promise<boolean> = Promise.resolve(false);

/** Registers one custom validator on a property: true synchronously, a failure as a promise. */
function rule(name: string, options: ValidationOptions, validate: (value: unknown) => boolean) {
  return (target: object, property: string) =>
    registerDecorator({ name, target: target.constructor, propertyName: property, options, validator: { validate: (value: unknown) => validate(value) || FAILED } });
}

/** An integer within `bounds` (inclusive); null and undefined pass (optional fields). */
export function IntegerInRange(bounds: { readonly min: number; readonly max: number }, options: ValidationOptions) {
  return rule('integerInRange', options, (value) => value == null || (Number.isInteger(value) && (value as number) >= bounds.min && (value as number) <= bounds.max));
}

/** A JSON object (not an array) of at most `maxBytes` bytes serialised; null and undefined pass. */
export function JsonObjectAtMost(maxBytes: number, options: ValidationOptions) {
  return rule('jsonObjectAtMost', options, (value) => value == null || (typeof value === 'object' && !Array.isArray(value) && jsonByteLength(value) <= maxBytes));
}

/** An object none of whose top-level keys `reserved` says are reserved; null and undefined pass. */
export function NoReservedKeys(reserved: (key: string) => boolean, options: ValidationOptions) {
  return rule('noReservedKeys', options, (value) => value == null || typeof value !== 'object' || !Object.keys(value).some(reserved));
}

/**
 * A string of `bounds.min`..`bounds.max` Unicode code points, as a PostgreSQL varchar counts them
 * (src/common/text.ts says why class-validator's Length/MaxLength does not fit); null and undefined pass.
 */
export function CodePointsWithin(bounds: { readonly min: number; readonly max: number }, options: ValidationOptions) {
  return rule('codePointsWithin', options, (value) => value == null || (typeof value === 'string' && codePointsWithin(value, bounds)));
}
