/**
 * Turning what the AWS SDK throws into messages that say what to do. Service errors keep the
 * service's error name and message; credential and network problems are named as such.
 */

/** The error the CLI shows; `cause` keeps the SDK's error for `--verbose`-style debugging. */
export class DeployedInvokeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeployedInvokeError';
  }
}

const NO_CREDENTIALS =
  'no AWS credentials: configure a profile or environment variables ' +
  '(AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; `aws configure` or `aws sso login`)';

/** Error names with which AWS refuses the caller's credentials themselves. */
const REJECTED_CREDENTIALS = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'RequestExpired',
  'IncompleteSignature',
]);

/** The SDK's error name and message, whatever was thrown. */
export function errorParts(error: unknown): { name: string; message: string; code?: string } {
  if (error instanceof Error) {
    const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
    return { name: error.name, message: error.message, ...(code === undefined ? {} : { code }) };
  }
  return { name: 'Error', message: String(error) };
}

/**
 * The message for an error that is not specific to one call: missing or rejected credentials,
 * an unreachable endpoint. Undefined when the error is a plain service error.
 */
export function commonProblem(error: unknown, service: string, region: string): string | undefined {
  const { name, message, code } = errorParts(error);
  if (name === 'CredentialsProviderError' || name === 'TokenProviderError') {
    // The chain's last link says only "Could not load credentials from any providers"; a named
    // profile that cannot be used says which one and why, which is worth showing.
    const profile = process.env.AWS_PROFILE;
    const profileNote = profile ? `; AWS_PROFILE is "${profile}": check that this profile exists and has credentials` : '';
    return /from any providers/i.test(message) ? `${NO_CREDENTIALS}${profileNote}` : `${NO_CREDENTIALS}${profileNote}. The SDK said: ${message}`;
  }
  if (REJECTED_CREDENTIALS.has(name)) {
    return `AWS rejected your credentials (${name}: ${message}); refresh them (e.g. \`aws sso login\`) or choose another profile`;
  }
  const network = code ?? name;
  if (/^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|TimeoutError)$/.test(network)) {
    return `cannot reach ${service} in ${region} (${network}: ${message}); check your network, proxy and any AWS_ENDPOINT_URL_* setting`;
  }
  return undefined;
}

/** `<name>: <message>` of a service error. */
export function serviceError(error: unknown): string {
  const { name, message } = errorParts(error);
  return message === '' || message === name ? name : `${name}: ${message}`;
}
