import { request, type IncomingMessage } from 'node:http';
import type { AgentRecord } from './agent-record.js';
import { CliError, messageOf } from './errors.js';
import { CONTRACT_HEADER } from './lambda-endpoint.js';
import { SseParser } from './deployed-sse.js';
import { newSessionId } from './session-id.js';
import { isRecord } from './util.js';

/**
 * `agentic-ai-framework invoke`: sends one AgentInvocationRequest to the agent running locally
 * (`--local`, the `local` command's server) or deployed (cli/deployed.ts), and prints the
 * AgentInvocationResponse JSON on stdout; with --stream, each event as one JSON line as it arrives.
 */

export const SESSION_HEADER = 'X-Amzn-Bedrock-AgentCore-Runtime-Session-Id';
/** AgentCore's limits: a synchronous request 15 min, a stream 60 min. */
const JSON_TIMEOUT_MS = 15 * 60_000;
const STREAM_TIMEOUT_MS = 60 * 60_000;

export interface InvokeOutput {
  /** One line on stdout. */
  readonly print: (line: string) => void;
  /** A progress line on stderr. */
  readonly log: (line: string) => void;
}

/** The JSON payload from --payload or the contents of --payload-file. */
export function parsePayload(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliError(`${source} is not valid JSON: ${messageOf(error)}`, 2);
  }
}

/** Prints stream events; remembers whether the result event was among them. */
class StreamPrinter {
  sawResult = false;

  constructor(private readonly out: InvokeOutput) {}

  event(event: string, data: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(data) as unknown;
    } catch {
      parsed = { type: event, data };
    }
    if (event === 'result' || (typeof parsed === 'object' && parsed !== null && (parsed as { type?: unknown }).type === 'result')) this.sawResult = true;
    this.out.print(JSON.stringify(parsed));
  }

  /** A contract that does not stream: the response as the one `result` event. */
  finish(response: unknown): void {
    if (this.sawResult) return;
    const fields = typeof response === 'object' && response !== null && !Array.isArray(response) ? response : { result: response };
    this.out.print(JSON.stringify({ type: 'result', ...fields }));
  }
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

/** The agent's answer as JSON; a body that is not JSON is the agent's fault, reported as such. */
function parseAnswer(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const shown = text.length > 200 ? `${text.slice(0, 200)}...` : text;
    throw new CliError(`${what} is not JSON (${messageOf(error)}): ${JSON.stringify(shown)}`);
  }
}

function errorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown; fields?: unknown };
    const message = parsed.error ?? parsed.message;
    if (typeof message === 'string') return Array.isArray(parsed.fields) ? `${message} (fields: ${parsed.fields.join(', ')})` : message;
  } catch {
    // not JSON: show it as it is
  }
  return body.trim();
}

/** POSTs the payload to the `local` server on 127.0.0.1:`port` and prints the answer. */
export async function invokeLocal(options: { port: number; payload: unknown; sessionId?: string; stream: boolean }, out: InvokeOutput): Promise<void> {
  const url = `http://127.0.0.1:${options.port}/invocations`;
  const sessionId = options.sessionId ?? newSessionId();
  const body = JSON.stringify(options.payload);
  const printer = new StreamPrinter(out);
  const timeoutMs = options.stream ? STREAM_TIMEOUT_MS : JSON_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
          Accept: options.stream ? 'text/event-stream' : 'application/json',
          [SESSION_HEADER]: sessionId,
        },
      },
      (res) => {
        const lambda = res.headers[CONTRACT_HEADER] === 'LAMBDA';
        const type = String(res.headers['content-type'] ?? '');
        if (type.startsWith('text/event-stream') && res.statusCode === 200) {
          res.setEncoding('utf8');
          const parser = new SseParser();
          let failure: string | undefined;
          let result: Record<string, unknown> | undefined;
          const take = (events: ReturnType<SseParser['push']>): void => {
            for (const { event, data } of events) {
              if (event === 'error') failure = errorText(data);
              if (event === 'result') {
                const parsed = parseAnswer(data, 'the result event');
                if (!isRecord(parsed)) throw new CliError(`the result event is not a JSON object: ${data.slice(0, 200)}`);
                result = parsed;
              }
              if (options.stream) printer.event(event, data);
            }
          };
          res.on('data', (chunk: string) => {
            try {
              take(parser.push(chunk));
            } catch (error) {
              reject(error);
              res.destroy();
            }
          });
          res.on('end', () => {
            try {
              take(parser.end());
            } catch (error) {
              reject(error);
              return;
            }
            if (failure !== undefined) reject(new CliError(`the agent failed during the stream: ${failure}`));
            else if (result === undefined) reject(new CliError('the event stream ended without a result event'));
            else {
              if (!options.stream) {
                const response = { ...result };
                delete response.type;
                out.print(JSON.stringify(response, null, 2));
              }
              resolve();
            }
          });
          res.on('error', reject);
          return;
        }
        readAll(res).then((text) => {
          if (res.statusCode !== 200) throw new CliError(`the agent answered ${res.statusCode}: ${errorText(text)}`);
          if (res.headers['x-amz-function-error'] !== undefined) {
            const parsed = parseAnswer(text, 'the handler error');
            const error = isRecord(parsed) ? parsed : {};
            throw new CliError(`the handler failed: ${String(error.errorType ?? 'Error')}: ${String(error.errorMessage ?? text)}`);
          }
          const response = parseAnswer(text, 'the agent\'s answer');
          if (options.stream) {
            if (lambda) out.log('the Lambda contract does not stream: the whole response follows as one result event');
            printer.finish(response);
          } else {
            out.print(JSON.stringify(response, null, 2));
          }
          resolve();
        }).catch(reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new CliError(`no data from ${url} for ${timeoutMs / 60_000} min`)));
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') {
        reject(new CliError(`nothing listens on http://127.0.0.1:${options.port}: start the agent with \`agentic-ai-framework local <agent> --port ${options.port}\` first`));
      } else reject(error instanceof CliError ? error : new CliError(`POST ${url} failed: ${error.message}`));
    });
    req.end(body);
  });
}

/** Invokes the deployed agent (cli/deployed.ts) and prints the answer. */
export async function invokeDeployedAgent(options: { agent: AgentRecord; payload: unknown; sessionId?: string; stream: boolean }, out: InvokeOutput): Promise<void> {
  // Loaded on use: the AWS SDK clients it brings are not needed by `local` or `invoke --local`.
  const deployed = await import('./deployed.js');
  const printer = new StreamPrinter(out);
  let response: unknown;
  try {
    response = await deployed.invokeDeployed({
      agent: options.agent,
      payload: options.payload,
      sessionId: options.sessionId,
      stream: options.stream,
      onStreamEvent: options.stream ? (event, data) => printer.event(event, data) : undefined,
      log: out.log,
    });
  } catch (error) {
    throw error instanceof CliError ? error : new CliError(messageOf(error), 1, { cause: error });
  }
  if (options.stream) printer.finish(response);
  else out.print(JSON.stringify(response, null, 2));
}
