/**
 * Validates an Amazon States Language definition with asl-validator (JSON schema of the language,
 * transitions, terminal states, unique names, JSONPath syntax, Task ARNs). It does not know the
 * services an SDK integration names, nor IAM: those are other tests' business.
 */
import aslValidator from 'asl-validator';

// asl-validator compiles its JSON schemas on every call (~70 ms): a definition already found
// valid in this test file is not validated again.
const valid = new Set<string>();

/** Throws, listing every finding, when the definition is not valid ASL. */
export function validateDefinition(definition: unknown): void {
  const text = JSON.stringify(definition);
  if (valid.has(text)) return;
  // asl-validator writes a default QueryLanguage into every state: it gets a copy.
  const result = aslValidator(JSON.parse(text), { checkPaths: true, checkArn: true });
  if (!result.isValid) {
    throw new Error(`invalid state machine definition:\n  ${result.errorsText('\n  ')}`);
  }
  valid.add(text);
}
