import { Duration, Size, Token } from 'aws-cdk-lib';
import { InvalidRuntimeConfigError } from './errors';
import { AgentRuntimeType } from './runtime-type';

/**
 * Type checks at the construct boundary. TypeScript checks props at compile time; plain
 * JavaScript and the other jsii languages do not, so without these a wrong type surfaces as a
 * TypeError deep inside a constructor. Each throws InvalidRuntimeConfigError naming the field,
 * the value given and what is allowed.
 */

/** A short rendering of a value for an error message: `undefined`, `number 42`, `"text"`, `an array [...]`. */
export function describeValue(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  if (typeof value === 'string') {
    if (Token.isUnresolved(value)) return `a token (${value})`;
    return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}...` : value);
  }
  if (typeof value === 'number' && Token.isUnresolved(value)) return 'a token';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  if (Array.isArray(value)) return `an array ${preview(value)}`;
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : `an object ${preview(value)}`;
}

function preview(value: object): string {
  try {
    const json = JSON.stringify(value) ?? '';
    return json.length > 100 ? `${json.slice(0, 100)}...` : json;
  } catch {
    return '(not serializable)';
  }
}

function fail(type: AgentRuntimeType, field: string, value: unknown, allowed: string): never {
  throw new InvalidRuntimeConfigError(type, `${field} is ${describeValue(value)}; allowed: ${allowed}`, field);
}

export function requireObject(type: AgentRuntimeType, field: string, value: unknown, allowed = 'an object'): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(type, field, value, allowed);
}

export function optionalObject(type: AgentRuntimeType, field: string, value: unknown, allowed = 'an object'): void {
  if (value !== undefined) requireObject(type, field, value, allowed);
}

export function requireString(type: AgentRuntimeType, field: string, value: unknown): void {
  if (typeof value !== 'string') fail(type, field, value, 'a string');
}

export function optionalString(type: AgentRuntimeType, field: string, value: unknown): void {
  if (value !== undefined) requireString(type, field, value);
}

export function optionalBoolean(type: AgentRuntimeType, field: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') fail(type, field, value, 'true or false');
}

export function optionalNumber(type: AgentRuntimeType, field: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'number') fail(type, field, value, 'a number');
}

export function optionalDuration(type: AgentRuntimeType, field: string, value: unknown): void {
  if (value !== undefined && !(value instanceof Duration)) fail(type, field, value, 'a Duration, e.g. Duration.minutes(5)');
}

export function optionalSize(type: AgentRuntimeType, field: string, value: unknown): void {
  if (value !== undefined && !(value instanceof Size)) fail(type, field, value, 'a Size, e.g. Size.mebibytes(1024)');
}

/** A class, including one with a private constructor (`lambda.Architecture`). */
type ClassLike = { readonly prototype: object };

/** An instance of `cls` (its prototype is in the value's chain, as `instanceof` checks), described as `allowed` in the error. */
export function requireInstance(type: AgentRuntimeType, field: string, value: unknown, cls: ClassLike, allowed: string): void {
  if (!Object.prototype.isPrototypeOf.call(cls.prototype, value as object)) fail(type, field, value, allowed);
}

export function optionalInstance(type: AgentRuntimeType, field: string, value: unknown, cls: ClassLike, allowed: string): void {
  if (value !== undefined) requireInstance(type, field, value, cls, allowed);
}

/** An optional array whose elements each pass `check(element, 'field[i]')`. */
export function optionalArray(type: AgentRuntimeType, field: string, value: unknown, allowed: string, check: (element: unknown, elementField: string) => void): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) fail(type, field, value, allowed);
  value.forEach((element, index) => check(element, `${field}[${index}]`));
}

/** An optional map of string keys to string values (an environment). */
export function optionalStringMap(type: AgentRuntimeType, field: string, value: unknown): void {
  if (value === undefined) return;
  requireObject(type, field, value, 'an object of string keys to string values');
  for (const [key, element] of Object.entries(value as object)) {
    if (typeof element !== 'string') fail(type, `${field}.${key}`, element, 'a string');
  }
}

/** An optional member of a string enum. */
export function optionalEnum(type: AgentRuntimeType, field: string, value: unknown, members: readonly unknown[], allowed?: string): void {
  if (value !== undefined && !Token.isUnresolved(value) && !members.includes(value)) fail(type, field, value, allowed ?? members.join(', '));
}

/** An interface value (jsii passes objects, not class instances): an object with the string attribute `key`. */
export function optionalShaped(type: AgentRuntimeType, field: string, value: unknown, key: string, allowed: string): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || typeof (value as Record<string, unknown>)[key] !== 'string') fail(type, field, value, allowed);
}
