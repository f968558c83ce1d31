/**
 * The model behind the local Converse endpoint for the document-processing example's two agents,
 * told apart by their system prompts (the example's prompt files, read by the agents from S3):
 *
 * - the classifier ("You sort incoming business documents") answers one word: `invoice` when the
 *   document has the word INVOICE, else `other`;
 * - the processor works as the example's invoice model: it looks the currency up with the
 *   example's tool, then answers the invoice as JSON (invoiceModel).
 *
 * A document whose text has the line `THROTTLE-ONCE` is throttled (HTTP 429) on the first call of
 * each agent about it, and answered afterwards.
 */
import type { ConverseReply, ConverseRequestBody } from '../../agent/helpers/converse-endpoint.js';
import { invoiceModel } from '../../examples/invoice-model.js';

export const THROTTLE_ONCE = 'THROTTLE-ONCE';
const CLASSIFIER_PROMPT = 'You sort incoming business documents';

export type AgentKind = 'classifier' | 'processor';

export interface ModelCall {
  readonly agent: AgentKind;
  /** The first user message: the prompt and the document's text. */
  readonly text: string;
  readonly throttled: boolean;
}

function firstUserText(body: ConverseRequestBody): string {
  const first = body.messages.find((m) => m.role === 'user');
  return (first?.content ?? []).map((block) => (typeof block.text === 'string' ? block.text : '')).join('\n');
}

export class DocumentAgentsModel {
  public readonly calls: ModelCall[] = [];

  /** The endpoint's `respond`. */
  public readonly respond = (body: ConverseRequestBody): ConverseReply => {
    const agent: AgentKind = (body.system ?? []).some((block) => block.text?.includes(CLASSIFIER_PROMPT)) ? 'classifier' : 'processor';
    const text = firstUserText(body);
    const throttle = text.split('\n').includes(THROTTLE_ONCE) && !this.calls.some((c) => c.agent === agent && c.text === text);
    this.calls.push({ agent, text, throttled: throttle });
    if (throttle) return { throttle: true };
    if (agent === 'classifier') return { text: /\bINVOICE\b/.test(text) ? 'invoice' : 'other', usage: { inputTokens: 120, outputTokens: 1 } };
    return invoiceModel(body);
  };

  /** The calls whose document text contains `marker`. */
  public callsAbout(marker: string): ModelCall[] {
    return this.calls.filter((call) => call.text.includes(marker));
  }
}
