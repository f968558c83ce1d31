import { Annotations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';

/**
 * Adds a statement to an agent's execution role. An imported role that is not mutable
 * (`Role.fromRoleArn(..., { mutable: false })`) drops statements without a word; the agent would
 * deploy and then fail on its first call, so say so at synth instead.
 */
export function addToExecutionRole(scope: IConstruct, role: iam.IRole, statement: iam.PolicyStatement): void {
  if (!role.addToPrincipalPolicy(statement).statementAdded) {
    Annotations.of(scope).addWarningV2('agentic-ai-framework:executionRoleImmutable',
      `The execution role ${role.node.path} does not accept new statements (an immutable imported role); add this statement to it yourself: ${JSON.stringify(statement.toStatementJson())}`);
  }
}
