import { AGENT_FAILED, AgentTaskError } from '../agent/core/task-errors.js';
import { bodyText, parseJsonOrUndefined, readEvents, responseOfResultEvent } from '../cli/deployed-sse.js';
import { isRecord } from '../cli/util.js';

/** What the agent answered through AgentCore: status, content type and the body as it streams. */
export interface AgentAnswer {
  readonly statusCode: number;
  readonly contentType: string;
  readonly body: unknown;
}

const MAX_SHOWN = 1000;

function excerpt(text: string): string {
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}

/** The message of an agent's error body (`{"error": ...}`, the agent's own shape), or undefined. */
export function errorMessageOf(body: unknown): string | undefined {
  if (!isRecord(body)) return undefined;
  if (typeof body.error === 'string') return body.error;
  if (typeof body.message === 'string') return body.message;
  return undefined;
}

/** An agent's error answer: the name its status maps to, its own message (and cause, if it gave one). */
function agentError(statusCode: number, body: unknown, fallback: string): AgentTaskError {
  const message = errorMessageOf(body) ?? fallback;
  const cause = isRecord(body) && typeof body.cause === 'string' && body.cause !== '' ? `: ${body.cause}` : '';
  return AgentTaskError.fromStatus(statusCode, `${message}${cause}`);
}

function failed(message: string): AgentTaskError {
  return new AgentTaskError(AGENT_FAILED, message);
}

/**
 * The agent's JSON answer, read to the end: a JSON body, or a `text/event-stream` whose last
 * `result` event holds it. A status of 400 or more, an error body, or an `error` event is thrown
 * as an AgentTaskError with the agent's message; an answer that is neither is `Agent.Failed`.
 */
export async function readAnswer(answer: AgentAnswer): Promise<unknown> {
  const contentType = answer.contentType.toLowerCase();
  if (contentType.startsWith('text/event-stream')) {
    if (answer.statusCode >= 400) {
      const text = await bodyText(answer.body);
      throw agentError(answer.statusCode, parseJsonOrUndefined(text), `The agent answered ${answer.statusCode}: ${excerpt(text)}`);
    }
    return readEventStream(answer.body);
  }
  const text = await bodyText(answer.body);
  const parsed = parseJsonOrUndefined(text);
  if (answer.statusCode >= 400) throw agentError(answer.statusCode, parsed, `The agent answered ${answer.statusCode}: ${excerpt(text) || '(no body)'}`);
  if (parsed === undefined) {
    throw failed(`The agent answered ${answer.statusCode} with a body that is not JSON (${contentType || 'no content type'}): ${excerpt(text) || '(empty)'}`);
  }
  // A 2xx carrying an error body (no result) is a failure all the same; its status, if it gives one.
  if (isRecord(parsed) && !('result' in parsed) && typeof parsed.error === 'string') {
    throw agentError(typeof parsed.statusCode === 'number' ? parsed.statusCode : 500, parsed, parsed.error);
  }
  return parsed;
}

async function readEventStream(body: unknown): Promise<unknown> {
  let count = 0;
  let result: { value: unknown } | undefined;
  await readEvents(body, (events) => {
    for (const event of events) {
      count += 1;
      if (event.event === 'error') {
        const data = parseJsonOrUndefined(event.data);
        const status = isRecord(data) && typeof data.statusCode === 'number' ? data.statusCode : 500;
        throw agentError(status, data, `The agent's event stream reported an error: ${excerpt(event.data)}`);
      }
      if (event.event === 'result') result = { value: resultOf(event.data) };
    }
  });
  if (result === undefined) throw failed(`The agent's event stream ended without a result event (${count} event${count === 1 ? '' : 's'} received)`);
  return result.value;
}

function resultOf(data: string): unknown {
  const response = responseOfResultEvent(data);
  if (response === undefined) throw failed(`The agent's result event is not JSON: ${excerpt(data)}`);
  return response;
}
