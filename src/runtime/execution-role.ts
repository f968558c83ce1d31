import { Annotations, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';

/**
 * Adds a statement to an agent's execution role. An imported role that is not mutable
 * (`Role.fromRoleArn(..., { mutable: false })`) reports the statement as added yet attaches it to
 * nothing; the agent would deploy and then fail on its first call, so say so at synth instead.
 * A role that keeps statements holds a policy construct for them (a role's default policy, an
 * import's own policy); the dependable the call returns cannot tell, since aws-cdk-lib fills it
 * only when the policy is rendered.
 */
export function addToExecutionRole(scope: IConstruct, role: iam.IRole, statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
  const result = role.addToPrincipalPolicy(statement);
  const attached = result.statementAdded && role.node.children.some((child) => child instanceof iam.Policy);
  if (!attached) {
    Annotations.of(scope).addWarningV2('agentic-ai-framework:executionRoleImmutable',
      `The execution role ${role.node.path} does not accept new statements (an immutable imported role); add this statement to it yourself: ${JSON.stringify(Stack.of(scope).resolve(statement.toStatementJson()))}`);
  }
  return result;
}

/**
 * The principal grants to an agent runtime go to: its execution role, with every statement passing
 * through `addToExecutionRole`, so that grants made with `bucket.grantRead(runtime)` or
 * `model.grantInvoke(runtime)` are reported like the runtime's own when the role drops them.
 */
export class ExecutionRolePrincipal implements iam.IPrincipal {
  public readonly grantPrincipal: iam.IPrincipal = this;
  public readonly assumeRoleAction: string;
  public readonly policyFragment: iam.PrincipalPolicyFragment;
  public readonly principalAccount?: string;

  constructor(private readonly scope: IConstruct, public readonly role: iam.IRole) {
    this.assumeRoleAction = role.assumeRoleAction;
    this.policyFragment = role.policyFragment;
    this.principalAccount = role.principalAccount;
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    return addToExecutionRole(this.scope, this.role, statement);
  }

  public toString(): string {
    return this.role.toString();
  }
}
