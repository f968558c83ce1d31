import { InvalidRuntimeConfigError } from '../runtime/errors';
import { AgentRuntimeType } from '../runtime/runtime-type';

/**
 * @internal
 * Thrown at construction (synth) time when a runtime foundation (`AgentCoreRuntimeFoundation`,
 * `FoundationGateway`, `FoundationMemory`, `FoundationModelFamily`) is configured wrongly. The
 * message starts with `Invalid runtime foundation configuration:` and names the field, the value
 * given and what is allowed.
 *
 * A subclass of `InvalidRuntimeConfigError` (runtime type `AGENTCORE`), so code that catches
 * that keeps catching these. Not part of the jsii (cross-language) API, which cannot extend
 * `Error`: other languages see the message.
 */
export class InvalidRuntimeFoundationConfigError extends InvalidRuntimeConfigError {
  constructor(field: string, details: string) {
    super(AgentRuntimeType.AGENTCORE, details, field);
    // The base class words its message for agent runtimes; this one is about the foundation.
    this.message = `Invalid runtime foundation configuration: ${details}`;
    this.name = 'InvalidRuntimeFoundationConfigError';
  }
}

/** The error for `field`: `details` names the value given and what is allowed. */
export function invalidFoundationConfig(field: string, details: string): InvalidRuntimeFoundationConfigError {
  return new InvalidRuntimeFoundationConfigError(field, details);
}
