import { Annotations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Dependable, IConstruct } from 'constructs';

/**
 * Adds a statement to an agent's execution role. An imported role that is not mutable
 * (`Role.fromRoleArn(..., { mutable: false })`) reports the statement as added yet attaches it to
 * nothing (its policy dependable is empty); the agent would deploy and then fail on its first
 * call, so say so at synth instead.
 */
export function addToExecutionRole(scope: IConstruct, role: iam.IRole, statement: iam.PolicyStatement): void {
  const result = role.addToPrincipalPolicy(statement);
  const attached = result.statementAdded && result.policyDependable !== undefined
    && Dependable.of(result.policyDependable).dependencyRoots.length > 0;
  if (!attached) {
    Annotations.of(scope).addWarningV2('agentic-ai-framework:executionRoleImmutable',
      `The execution role ${role.node.path} does not accept new statements (an immutable imported role); add this statement to it yourself: ${JSON.stringify(statement.toStatementJson())}`);
  }
}
