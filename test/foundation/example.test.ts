// The examples/runtime-foundation stack: IAM validity and cdk-nag AwsSolutions, as a user would run them.
import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { MetadataEntry } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { RuntimeFoundationStack } from '../../examples/runtime-foundation/stack';
import { AgentCoreRuntimeFoundation } from '../../src/foundation';
import { expectValidIam } from '../helpers/iam-validity';
import { synth, TEST_ENV, VALIDATION_CONTEXT } from '../helpers/test-app';

describe('examples/runtime-foundation', () => {
  let app: App;
  let stack: RuntimeFoundationStack;
  beforeAll(() => {
    app = new App({ context: VALIDATION_CONTEXT });
    stack = new RuntimeFoundationStack(app, 'AgentCoreRuntimeFoundation-dev', { environmentName: 'dev' });
  });

  it('synthesizes with CloudFormation schema validation on', () => {
    const template = synth(stack);
    template.resourceCountIs('AWS::IAM::Role', 1);
    template.resourceCountIs('AWS::SSM::Parameter', 4);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('passes the IAM validity checks', async () => {
    const findings = await expectValidIam(synth(stack));
    expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('has no unacknowledged cdk-nag AwsSolutions finding', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('acknowledges only IAM5 wildcard findings, each with a reason', () => {
    const acknowledged = stack.foundation.executionRole.node.metadata.filter(
      (m: MetadataEntry) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY,
    );
    const entries = acknowledged.flatMap((m: MetadataEntry) => Object.entries(m.data as Record<string, { reason: string } | string>));
    expect(entries.length).toBe(12);
    for (const [id, value] of entries) {
      expect(id).toMatch(/AwsSolutions-IAM5\[Resource::.+\]$/);
      const reason = typeof value === 'string' ? value : value.reason;
      expect(reason.length).toBeGreaterThan(40);
    }
  });

  it('stays cdk-nag clean in a concrete account and Region, where findings name them', () => {
    const concrete = new RuntimeFoundationStack(new App({ context: VALIDATION_CONTEXT }), 'Concrete', {
      env: TEST_ENV,
      environmentName: 'prod',
    });
    synth(concrete);
    expect(new AwsSolutionsChecks().validateScope(concrete).violations).toEqual([]);
  });

  it('fails cdk-nag without the acknowledgments (they are not vacuous)', () => {
    const bare = new Stack(new App({ context: VALIDATION_CONTEXT }), 'Bare');
    new AgentCoreRuntimeFoundation(bare, 'Runtime', { environment: 'dev', agentNamespace: 'myorg/customer-support' });
    const rules = new AwsSolutionsChecks().validateScope(bare).violations.map((v) => v.ruleName);
    expect(rules.length).toBeGreaterThan(0);
    expect(rules.every((rule) => rule.startsWith('AwsSolutions-IAM5[Resource::'))).toBe(true);
  });
});
