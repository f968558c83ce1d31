import { Token } from 'aws-cdk-lib';
import { invalidFoundationConfig } from './errors';
import { requireString } from './input-checks';

/** SSM parameter names: letters, digits and `_.-/`, fully qualified names starting with `/`. */
const SSM_PARAMETER_NAME_PATTERN = /^\/?[a-zA-Z0-9_.\-/]{1,1011}$/;

/** Throws unless `name` (when not a token) is a valid SSM parameter name. */
export function validateSsmParameterName(name: string, field: string): void {
  requireString(field, name, 'a string: an SSM parameter name, e.g. /agentcore/dev/gateway/gateway_id');
  if (Token.isUnresolved(name)) return;
  if (!SSM_PARAMETER_NAME_PATTERN.test(name) || name.includes('//') || /^\/?aws|^\/?ssm/i.test(name)) {
    throw invalidFoundationConfig(
      field,
      `${field} SSM parameter name "${name}" is not valid; allowed: letters, digits and _.-/ (up to 1011 characters, ` +
        'no "//", not starting with "aws" or "ssm"), e.g. /agentcore/dev/gateway/gateway_id',
    );
  }
}
