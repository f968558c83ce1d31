import { extractJson, type JsonValue } from './json.js';
import type { Logger } from './logger.js';

/** The seed's `AgentInvocationResponse`. */
export interface AgentInvocationResponse {
  /** The parsed JSON value when EXPECT_JSON is set, the model's text otherwise. */
  readonly result: JsonValue;
  readonly metadata: {
    /** Wall time of the invocation in milliseconds. */
    readonly executionTime: number;
    /** Input plus output tokens over every model call of the invocation, when the model reports usage. */
    readonly tokensUsed?: number;
    readonly modelId: string;
  };
}

/** What `result` holds when JSON was expected and none could be parsed from the answer. */
export interface JsonNotFoundResult {
  readonly [key: string]: JsonValue;
  readonly error: string;
  readonly modelResponse: string;
}

/**
 * The `result` for a model answer: the answer itself, or the JSON value in it. When JSON was
 * expected but none parses, the result says so (and carries the raw answer) instead of throwing,
 * so a workflow can still route on it.
 */
export function resultFor(text: string, expectJson: boolean, logger: Logger): JsonValue {
  if (!expectJson) return text;
  const extraction = extractJson(text);
  if (extraction.found) return extraction.value;
  logger.warn('Expected JSON but none could be parsed from the model response', { reason: extraction.reason });
  const notFound: JsonNotFoundResult = {
    error: `Expected a JSON value in the model response, but ${extraction.reason}`,
    modelResponse: text,
  };
  return notFound;
}
