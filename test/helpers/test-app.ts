import { App, Stack, type StackProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

/**
 * Context every test app synthesizes with: aws-cdk-lib's offline CloudFormation schema
 * validation, with serious findings failing the synth (DESIGN.md decision 7).
 */
export const VALIDATION_CONTEXT = { '@aws-cdk/core:validateAgainstDefaultRules': true } as const;

export const TEST_ENV = { account: '123456789012', region: 'us-east-1' } as const;

/** A new app and stack with validation on and a concrete environment. */
export function testStack(props: StackProps = {}): Stack {
  const app = new App({ context: VALIDATION_CONTEXT });
  return new Stack(app, props.stackName ?? 'TestStack', { env: TEST_ENV, ...props });
}

/** Synthesizes the stack (running the validation) and returns its template. */
export function synth(stack: Stack): Template {
  return Template.fromStack(stack);
}
