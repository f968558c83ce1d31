import type { ConverseReply, ConverseRequestBody } from '../agent/helpers/converse-endpoint.js';

/** The examples' tool, as they deploy it (`examples/<name>/tools/currency_lookup.mjs`). */
export const TOOL_NAME = 'currency_lookup';
export const TOOL_USE_ID = 'tooluse-currency-1';

/** An invoice as a caller would send it inline (`contentType: 'data'`); the currency as printed. */
export const INVOICE_TEXT = [
  'INVOICE INV-2025-0042',
  'Acme Paper GmbH, Hamburg',
  'Date: 1 March 2025',
  '2 x A4 copy paper, 500 sheets @ 21.25',
  'Total: 42.50 eur',
].join('\n');

/** What the model asks the tool, and what the real tool answers. */
export const TOOL_INPUT = { currency: 'eur' };
export const TOOL_OUTPUT = { currency: 'eur', known: true, code: 'EUR', name: 'Euro', minorUnits: 2 };

/** The final answer, with the currency the tool returned (null when no tool result came back). */
export function invoiceAnswer(currency: unknown): Record<string, unknown> {
  return {
    vendor: 'Acme Paper GmbH',
    invoiceNumber: 'INV-2025-0042',
    invoiceDate: '2025-03-01',
    currency,
    total: 42.5,
    lineItems: [{ description: 'A4 copy paper, 500 sheets', quantity: 2, unitPrice: 21.25, amount: 42.5 }],
  };
}

export const EXPECTED_ANSWER = invoiceAnswer(TOOL_OUTPUT.code);

/** The code in a toolResult's JSON content, if there is one. */
function codeFromToolResult(block: Record<string, unknown> | undefined): unknown {
  const result = block?.toolResult as { content?: Array<{ json?: { code?: unknown } }> } | undefined;
  return result?.content?.find((c) => c.json !== undefined)?.json?.code ?? null;
}

/**
 * A model that works as the example's prompt asks: it first looks up the currency as printed with
 * the tool, then answers with one JSON object carrying the code the tool returned.
 */
export function invoiceModel(body: ConverseRequestBody): ConverseReply {
  const last = body.messages.at(-1);
  const toolResult = last?.content.find((block) => 'toolResult' in block);
  if (toolResult === undefined) return { toolUse: { name: TOOL_NAME, input: TOOL_INPUT, id: TOOL_USE_ID } };
  return { text: JSON.stringify(invoiceAnswer(codeFromToolResult(toolResult))), usage: { inputTokens: 300, outputTokens: 80 } };
}
