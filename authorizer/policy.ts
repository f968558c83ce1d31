/** The IAM policy a REST API Lambda authorizer returns: which execute-api resources the caller may invoke. */
export interface AuthorizerPolicy {
  readonly Version: '2012-10-17';
  readonly Statement: ReadonlyArray<{ readonly Action: 'execute-api:Invoke'; readonly Effect: 'Allow'; readonly Resource: string }>;
}

/**
 * `arn:<partition>:execute-api:<region>:<account>:<apiId>/<stage>/*\/*` for the method ARN of
 * one request (`…:<apiId>/<stage>/<METHOD>/<path>`): every method and path of the stage, the chat
 * route and the Sessions routes alike, so the decision stays right should the API cache it (the
 * construct sets no caching, so a token is refused as soon as it expires). Undefined when
 * `methodArn` is not one.
 */
export function stageWildcardOf(methodArn: string): string | undefined {
  const match = /^(arn:aws[a-z-]*:execute-api:[a-z0-9-]+:\d{12}:[A-Za-z0-9]+)\/([^/]+)\//.exec(methodArn);
  return match === null ? undefined : `${match[1]}/${match[2]}/*/*`;
}

/** Allow on `resource`, the only decision the authorizer returns (a refusal is a thrown 'Unauthorized'). */
export function allowPolicy(resource: string): AuthorizerPolicy {
  return { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: resource }] };
}
