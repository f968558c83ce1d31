/**
 * The model behind the local Bedrock (Converse) endpoint in the execution tests, scripted by the
 * document it is asked about, so that executions running at the same time each get their own
 * behaviour from the same agents:
 *
 *   Document <id>            the document's first line: its id
 *   model: throttle-first    the first call about <id> is throttled (429), later ones answered
 *   model: delay <ms>        answered after <ms>
 *   model: fail              answered with a ValidationException (the model refused the request)
 *
 * Otherwise the model answers at once with `answerFor(id)` as JSON text. The example's invoice
 * (no `Document` line) is answered by the example's model, which calls its tool first.
 */
import type { ConverseReply, ConverseRequestBody } from '../../agent/helpers/converse-endpoint.js';
import { invoiceModel } from '../../examples/invoice-model.js';

export type ModelBehaviour = 'answer' | 'throttle-first' | 'fail' | { readonly delayMs: number };

/** What the model answers about document `id`. */
export function answerFor(id: string): Record<string, unknown> {
  return { documentId: id, kind: 'memo', summary: `the text of document ${id}` };
}

export const USAGE = { inputTokens: 30, outputTokens: 12 };

/** A document as a request carries it inline (`contentType: 'data'`), with the model's script. */
export function documentText(id: string, behaviour: ModelBehaviour = 'answer'): string {
  const script = behaviour === 'answer' ? [] : [`model: ${typeof behaviour === 'string' ? behaviour : `delay ${behaviour.delayMs}`}`];
  return [`Document ${id}`, ...script, 'Some text the agent is asked to describe.'].join('\n');
}

export function inlineRequest(id: string, behaviour: ModelBehaviour = 'answer'): Record<string, unknown> {
  return { documentId: id, contentType: 'data', content: { data: documentText(id, behaviour) } };
}

function userText(body: ConverseRequestBody): string {
  const first = body.messages.find((m) => m.role === 'user');
  return (first?.content ?? []).map((block) => (typeof block.text === 'string' ? block.text : '')).join('\n');
}

export class DocumentModel {
  private readonly callsById = new Map<string, number>();
  private readonly delays = new Set<{ timer: NodeJS.Timeout; release: () => void }>();

  /** The endpoint's `respond`. */
  public readonly respond = (body: ConverseRequestBody): ConverseReply | Promise<ConverseReply> => {
    const text = userText(body);
    const id = /^Document (\S+)$/m.exec(text)?.[1];
    if (id === undefined) return invoiceModel(body);
    const calls = (this.callsById.get(id) ?? 0) + 1;
    this.callsById.set(id, calls);
    const script = /^model: (.+)$/m.exec(text)?.[1];
    const reply: ConverseReply = { text: JSON.stringify(answerFor(id)), usage: USAGE };
    if (script === 'throttle-first' && calls === 1) return { throttle: true };
    if (script === 'fail') throw new Error(`The model refused document ${id}`);
    const delay = /^delay (\d+)$/.exec(script ?? '');
    if (delay !== null) return this.later(Number(delay[1]), reply);
    return reply;
  };

  /** How many model calls were about document `id`. */
  public callsAbout(id: string): number {
    return this.callsById.get(id) ?? 0;
  }

  /** Answers every delayed call now (at the end of a test file: no timer outlives it). */
  public releaseAll(): void {
    for (const delay of this.delays) {
      clearTimeout(delay.timer);
      delay.release();
    }
    this.delays.clear();
  }

  private later(ms: number, reply: ConverseReply): Promise<ConverseReply> {
    return new Promise((resolve) => {
      const delay = { timer: setTimeout(() => delay.release(), ms), release: () => (this.delays.delete(delay), resolve(reply)) };
      this.delays.add(delay);
    });
  }
}
