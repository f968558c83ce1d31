export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type JsonExtraction =
  | { readonly found: true; readonly value: JsonValue; readonly source: 'whole' | 'fence' | 'embedded' }
  | { readonly found: false; readonly reason: string };

/**
 * Upper bound on characters examined while searching, so that adversarial text (thousands of
 * unclosed brackets) costs milliseconds, not minutes. Realistic answers stay far below it.
 */
export const DEFAULT_SEARCH_BUDGET = 20_000_000;

class BudgetExceeded extends Error {}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function tryParse(text: string): { value: JsonValue } | undefined {
  try {
    return { value: JSON.parse(text) as JsonValue };
  } catch {
    return undefined;
  }
}

/**
 * The first object or array in `text` that JSON.parse accepts, scanning candidate starts left
 * to right. For each `{`/`[` the scanner finds where it closes (string-aware, so brackets inside
 * strings do not count) and parses that slice. Close positions of brackets nested in a scanned
 * region are remembered: from an opener the scan is the same whichever earlier start reached it,
 * which keeps the search linear on ordinary text.
 */
function firstEmbeddedValue(text: string, budget: { left: number }): { value: JsonValue } | undefined {
  const closeAt = new Map<number, number>();
  const spend = (n: number): void => {
    budget.left -= n;
    if (budget.left < 0) throw new BudgetExceeded();
  };

  const matchFrom = (start: number): number => {
    const stack = [start];
    let inString = false;
    for (let i = start + 1; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (inString) {
        if (c === BACKSLASH) i++;
        else if (c === QUOTE) inString = false;
        continue;
      }
      if (c === QUOTE) {
        inString = true;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        stack.push(i);
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        closeAt.set(stack.pop() as number, i);
        if (stack.length === 0) {
          spend(i - start);
          return i;
        }
      }
    }
    spend(text.length - start);
    for (const open of stack) closeAt.set(open, -1);
    return -1;
  };

  for (let start = 0; start < text.length; start++) {
    const c = text.charCodeAt(start);
    if (c !== OPEN_BRACE && c !== OPEN_BRACKET) continue;
    const end = closeAt.get(start) ?? matchFrom(start);
    if (end < 0) continue;
    spend(end - start + 1);
    const parsed = tryParse(text.slice(start, end + 1));
    if (parsed !== undefined) return parsed;
  }
  return undefined;
}

/** Contents of the Markdown code fences in `text` (any language tag, or none), in order. */
function fencedBlocks(text: string): string[] {
  const blocks: string[] = [];
  const fence = /```[^\n`]*\n([\s\S]*?)```/g;
  for (let match = fence.exec(text); match !== null; match = fence.exec(text)) {
    blocks.push(match[1] ?? '');
  }
  return blocks;
}

/**
 * Recovers the JSON value in a model's answer, in this order:
 * 1. the whole answer, when it is JSON (any value, scalars included);
 * 2. the first Markdown code fence that holds JSON (or has an object or array inside);
 * 3. the first object or array anywhere in the text that parses.
 * Never throws: when nothing parses the result says why.
 */
export function extractJson(text: string, searchBudget = DEFAULT_SEARCH_BUDGET): JsonExtraction {
  const trimmed = text.trim();
  if (trimmed === '') return { found: false, reason: 'the model response is empty' };
  const whole = tryParse(trimmed);
  if (whole !== undefined) return { found: true, value: whole.value, source: 'whole' };

  const budget = { left: searchBudget };
  try {
    for (const block of fencedBlocks(text)) {
      const inFence = tryParse(block.trim()) ?? firstEmbeddedValue(block, budget);
      if (inFence !== undefined) return { found: true, value: inFence.value, source: 'fence' };
    }
    const embedded = firstEmbeddedValue(text, budget);
    if (embedded !== undefined) return { found: true, value: embedded.value, source: 'embedded' };
  } catch (error) {
    if (error instanceof BudgetExceeded) {
      return { found: false, reason: `no JSON value found within the search limit of ${searchBudget} characters` };
    }
    throw error;
  }
  return { found: false, reason: 'the model response contains no parseable JSON value' };
}
