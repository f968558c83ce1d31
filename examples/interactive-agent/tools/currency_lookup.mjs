// A Strands tool, uploaded as an asset and loaded by the default agent at run time (TOOLS_CONFIG).
// The agent lends '@strands-agents/sdk' and 'zod' to its tools; bundle any other dependency in.
import { tool } from '@strands-agents/sdk';
import { z } from 'zod';

// ISO 4217 codes: the currency's name and its number of decimal places. Add the ones you bill in.
const CURRENCIES = new Map([
  ['AUD', ['Australian dollar', 2]],
  ['CAD', ['Canadian dollar', 2]],
  ['CHF', ['Swiss franc', 2]],
  ['EUR', ['Euro', 2]],
  ['GBP', ['Pound sterling', 2]],
  ['JPY', ['Japanese yen', 0]],
  ['USD', ['US dollar', 2]],
]);

// Symbols that name one currency only ("$" and "¥" name several: the tool does not guess).
const SYMBOLS = new Map([['€', 'EUR'], ['£', 'GBP'], ['US$', 'USD'], ['CA$', 'CAD'], ['A$', 'AUD']]);

export const currencyLookup = tool({
  name: 'currency_lookup',
  description:
    'Normalises a currency as printed on an invoice (an ISO 4217 code in any case, a symbol such as € or US$, ' +
    'or an English name) to its ISO 4217 code, name and number of decimal places. ' +
    'Answers known: false when the currency is unknown or ambiguous.',
  inputSchema: z.object({
    currency: z.string().describe('The currency as printed on the invoice, e.g. "eur", "€", "US$", "Pound sterling"'),
  }),
  callback: ({ currency }) => {
    const printed = currency.trim();
    const byName = [...CURRENCIES].find(([, [name]]) => name.toLowerCase() === printed.toLowerCase())?.[0];
    const code = CURRENCIES.has(printed.toUpperCase()) ? printed.toUpperCase() : (SYMBOLS.get(printed) ?? byName);
    if (code === undefined) return { currency, known: false };
    const [name, minorUnits] = CURRENCIES.get(code);
    return { currency, known: true, code, name, minorUnits };
  },
});
