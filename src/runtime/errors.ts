// Imports only the dependency-free enum so the default agent can bundle these classes too.
import { AgentRuntimeType } from './runtime-type';

/**
 * Base class of the errors this library throws about agent runtimes.
 */
export class AgentRuntimeError extends Error {
  /**
   * The runtime the error is about.
   */
  public readonly runtimeType: AgentRuntimeType;

  /**
   * The underlying error, when there is one.
   */
  public readonly cause?: Error;

  constructor(message: string, runtimeType: AgentRuntimeType, cause?: Error) {
    super(message);
    this.name = 'AgentRuntimeError';
    this.runtimeType = runtimeType;
    this.cause = cause;
    // Keeps `instanceof` working when compiled to ES5-style classes.
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/**
 * Thrown at construction (synth) time when a runtime configuration is invalid.
 * The message names the field, the value given and what is allowed.
 */
export class InvalidRuntimeConfigError extends AgentRuntimeError {
  /**
   * The configuration field that is invalid, e.g. `runtime.config.timeout`.
   */
  public readonly field?: string;

  constructor(runtimeType: AgentRuntimeType, details: string, field?: string) {
    super(`Invalid runtime configuration for ${runtimeType}: ${details}`, runtimeType);
    this.name = 'InvalidRuntimeConfigError';
    this.field = field;
  }
}

/**
 * Thrown when invoking an agent fails (raised by agent code and invocation helpers, not at synth).
 */
export class RuntimeInvocationError extends AgentRuntimeError {
  /**
   * The HTTP status code of the failed invocation, when known.
   */
  public readonly statusCode?: number;

  constructor(runtimeType: AgentRuntimeType, statusCode?: number, cause?: Error) {
    super(
      `Agent invocation failed for ${runtimeType}${cause ? `: ${cause.message}` : ''}`,
      runtimeType,
      cause,
    );
    this.name = 'RuntimeInvocationError';
    this.statusCode = statusCode;
  }
}
