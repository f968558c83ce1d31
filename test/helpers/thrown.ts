import { expect } from 'vitest';
import { InvalidRuntimeConfigError } from '../../src';

/** What `call` throws, or undefined when it returns. */
export function thrownBy(call: () => unknown): unknown {
  try {
    call();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** The InvalidRuntimeConfigError `create` throws; fails the test when it throws nothing or anything else. */
export function refusal(create: () => unknown): InvalidRuntimeConfigError {
  const error = thrownBy(create);
  if (error === undefined) throw new Error('expected InvalidRuntimeConfigError, nothing was thrown');
  expect(error).toBeInstanceOf(InvalidRuntimeConfigError);
  return error as InvalidRuntimeConfigError;
}
