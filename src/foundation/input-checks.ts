// Type checks at the foundation's boundary. TypeScript checks the props at compile time; plain
// JavaScript and the other jsii languages at run time do not, so without these a wrong type
// surfaces as a TypeError deep inside the constructor, or is accepted and synthesizes nonsense
// (`"false"` as true, `undefined` as an environment called "undefined").
import { invalidFoundationConfig } from './errors';
import { describeValue } from '../runtime/input-checks';

export { describeValue };

/** Throws the foundation's typed error: `{field} is {value}; allowed: {allowed}`. */
export function failType(field: string, value: unknown, allowed: string): never {
  throw invalidFoundationConfig(field, `${field} is ${describeValue(value)}; allowed: ${allowed}`);
}

/** An absent optional value: `undefined`, or `null` as plain JavaScript may pass it. */
export function isAbsent(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}

export function requireString(field: string, value: unknown, allowed = 'a string'): asserts value is string {
  if (typeof value !== 'string') failType(field, value, allowed);
}

export function optionalString(field: string, value: unknown, allowed = 'a string'): void {
  if (!isAbsent(value)) requireString(field, value, allowed);
}

export function optionalBoolean(field: string, value: unknown): void {
  if (!isAbsent(value) && typeof value !== 'boolean') failType(field, value, 'true or false');
}

/** A plain object (a map of the jsii languages), not an array, function or class instance. */
export function requirePlainObject(field: string, value: unknown, allowed: string): asserts value is Record<string, unknown> {
  const prototype: unknown = typeof value === 'object' && value !== null ? Object.getPrototypeOf(value) : undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value) || (prototype !== Object.prototype && prototype !== null)) {
    failType(field, value, allowed);
  }
}

export function optionalArray(field: string, value: unknown, allowed: string): void {
  if (!isAbsent(value) && !Array.isArray(value)) failType(field, value, allowed);
}

/**
 * An object with a `bind` method, as the `FoundationGateway` / `FoundationMemory` factories
 * return. A function (a factory passed without calling it) is not one.
 */
export function optionalBindable(field: string, value: unknown, allowed: string): void {
  if (isAbsent(value)) return;
  const bindable = typeof value === 'object' && typeof (value as { bind?: unknown }).bind === 'function';
  if (!bindable) {
    failType(field, value, typeof value === 'function' ? `${allowed} (call the factory: add "()")` : allowed);
  }
}
