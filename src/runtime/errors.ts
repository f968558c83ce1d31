// Imports only the dependency-free enum so the default agent can bundle these classes too.
import { AgentRuntimeType } from './runtime-type';

// Not exported: jsii cannot model `extends Error`, so the exported classes below are @internal to
// jsii (as aws-cdk-lib does with ValidationError) and AgentRuntimeErrors gives other languages type tests.
abstract class FrameworkError extends Error {}

/**
 * Base class of the errors this library throws about agent runtimes.
 *
 * Not part of the jsii (cross-language) API, which cannot extend `Error`: TypeScript users
 * catch these classes; other languages see the message.
 *
 * @internal
 */
export class AgentRuntimeError extends FrameworkError {
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
 * @internal
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
 * @internal
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

/**
 * @internal
 * Thrown at construction (synth) time when a Bedrock model is specified wrongly. The message names
 * the field, the value given and what is allowed.
 */
export class InvalidBedrockModelError extends FrameworkError {
  /**
   * The argument that is invalid, e.g. `modelId`.
   */
  public readonly field: string;

  constructor(field: string, details: string) {
    super(`Invalid Bedrock model: ${field}: ${details}`);
    this.name = 'InvalidBedrockModelError';
    this.field = field;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/**
 * Type tests for the errors this library throws, usable from every jsii language.
 */
export class AgentRuntimeErrors {
  /** Whether `x` is an `AgentRuntimeError` (or a subclass). */
  public static isAgentRuntimeError(x: unknown): boolean {
    return x instanceof AgentRuntimeError;
  }

  /** Whether `x` is an `InvalidRuntimeConfigError`. */
  public static isInvalidRuntimeConfigError(x: unknown): boolean {
    return x instanceof InvalidRuntimeConfigError;
  }

  /** Whether `x` is a `RuntimeInvocationError`. */
  public static isRuntimeInvocationError(x: unknown): boolean {
    return x instanceof RuntimeInvocationError;
  }

  /**
   * Whether `x` is an `InvalidRuntimeFoundationConfigError` (a runtime foundation configured wrongly).
   * By name: that class lives with the foundation, which depends on this module, not the reverse.
   */
  public static isInvalidRuntimeFoundationConfigError(x: unknown): boolean {
    return x instanceof InvalidRuntimeConfigError && x.name === 'InvalidRuntimeFoundationConfigError';
  }

  /** Whether `x` is an `InvalidBedrockModelError`. */
  public static isInvalidBedrockModelError(x: unknown): boolean {
    return x instanceof InvalidBedrockModelError;
  }

  private constructor() {}
}
