import { describe, expect, it } from 'vitest';
import { resolveEnvironment, resolvePlaceholders, type DeployTarget } from '../../cli/intrinsics.js';

const target: DeployTarget = {
  stackName: 'Example',
  account: '123456789012',
  region: 'us-east-1',
  partition: 'aws',
  urlSuffix: 'amazonaws.com',
  template: {
    Parameters: { BootstrapVersion: { Default: '/cdk-bootstrap/hnb659fds/version' } },
    Resources: {
      Logs: { Type: 'AWS::Logs::LogGroup', Properties: {} },
      NamedLogs: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: { 'Fn::Sub': '/agents/${AWS::Region}' } } },
      Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
    },
  },
};

describe('resolveEnvironment (the examples test reads agent environments with it)', () => {
  it('resolves literals, pseudo parameters, Join, Sub, Select/Split and the Ref of a log group as CloudFormation would', () => {
    const env = resolveEnvironment('Fn', {
      PLAIN: 'x',
      BUCKET: { 'Fn::Sub': 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}' },
      JOINED: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::b/', { Ref: 'NamedLogs' }]] },
      GENERATED: { Ref: 'Logs' },
      ARN: { 'Fn::GetAtt': ['NamedLogs', 'Arn'] },
      SELECTED: { 'Fn::Select': [1, { 'Fn::Split': ['/', 'a/b/c'] }] },
      LITERAL_SUB: { 'Fn::Sub': ['${!Keep} ${Name}', { Name: { Ref: 'AWS::StackName' } }] },
    }, target);
    expect(env).toEqual({
      PLAIN: 'x',
      BUCKET: 'cdk-hnb659fds-assets-123456789012-us-east-1',
      JOINED: 'arn:aws:s3:::b//agents/us-east-1',
      GENERATED: expect.stringMatching(/^Example-Logs-[0-9A-F]{12}$/),
      ARN: 'arn:aws:logs:us-east-1:123456789012:log-group:/agents/us-east-1:*',
      SELECTED: 'b',
      LITERAL_SUB: '${Keep} Example',
    });
  });

  it('fails with the variable name and its synthesized value when a token cannot be resolved', () => {
    expect(() => resolveEnvironment('AgentFn', { OK: 'fine', QUEUE_URL: { Ref: 'Queue' } }, target)).toThrow(
      /AgentFn: cannot resolve environment variable QUEUE_URL = \{"Ref":"Queue"\} \(Ref Queue: the Ref of a AWS::SQS::Queue/,
    );
    expect(() => resolveEnvironment('AgentFn', { IMPORTED: { 'Fn::ImportValue': 'x' } }, target)).toThrow(/IMPORTED.*Fn::ImportValue/);
    expect(() => resolveEnvironment('AgentFn', { MISSING: { Ref: 'Nope' } }, target)).toThrow(/MISSING.*no such parameter or resource/);
  });

  it('fills the placeholders of asset manifest destinations', () => {
    expect(resolvePlaceholders('cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}', target)).toBe('cdk-hnb659fds-assets-123456789012-us-east-1');
  });
});
