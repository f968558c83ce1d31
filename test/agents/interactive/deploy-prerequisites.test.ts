/**
 * What a first deploy in a fresh account needs, and the warnings for settings that would not do
 * what they say: the account's API Gateway CloudWatch role (access logs are refused without it),
 * OIDC clients on AgentCore, grantChat without IAM auth.
 */
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { AgentRuntimeType, ChatAuth, ChatAuthType } from '../../../src';
import { simulatorFor } from '../../helpers/agent-decisions';
import { expectDecisions } from '../../helpers/iam-simulation';
import { testStack } from '../../helpers/test-app';
import { OIDC_CLIENT, OIDC_ISSUER, chatAuth, interactiveAgent } from './helpers';

const { LAMBDA, AGENTCORE } = AgentRuntimeType;

describe('a first deploy in a fresh account', () => {
  it('sets the account\'s API Gateway CloudWatch role once per stack, before any stage with access logs', async () => {
    const stack = testStack();
    interactiveAgent(stack, 'One', LAMBDA);
    interactiveAgent(stack, 'Two', AGENTCORE);
    const sim = simulatorFor(stack);
    const template = sim.template;
    const accounts = template.logicalIdsOfType('AWS::ApiGateway::Account');
    expect(accounts).toHaveLength(1);
    const accountId = accounts[0]!;
    const json = Template.fromStack(stack).toJSON() as { Resources: Record<string, { DeletionPolicy?: string; DependsOn?: string[]; Properties: Record<string, unknown> }> };
    expect(json.Resources[accountId]!.DeletionPolicy).toBe('Retain');
    const roleId = (json.Resources[accountId]!.Properties.CloudWatchRoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    // The role holds exactly the policy AWS documents for it, nothing of ours.
    expect(json.Resources[roleId]!.Properties.ManagedPolicyArns).toEqual([
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs']] },
    ]);
    expect(json.Resources[roleId]!.Properties.Policies).toBeUndefined();
    expect(template.logicalIdsOfType('AWS::IAM::Policy').filter((id) => JSON.stringify(template.properties(id).Roles).includes(roleId))).toEqual([]);
    const role = sim.roleArn(roleId);
    const accessLogs = template.arn('logs', 'log-group:any-access-log-group:log-stream:x');
    await expectDecisions(sim, [
      { principal: { service: 'apigateway.amazonaws.com' }, action: 'sts:AssumeRole', resource: role, expect: 'Allowed', why: 'API Gateway writes the stages\' access logs as the role' },
      { principal: { service: 'lambda.amazonaws.com' }, action: 'sts:AssumeRole', resource: role, expect: 'Denied', why: 'another service' },
      { principal: { role: roleId }, action: 'logs:PutLogEvents', resource: accessLogs, expect: 'Allowed', why: 'access logs' },
      { principal: { role: roleId }, action: 's3:GetObject', resource: 'arn:aws:s3:::any-bucket/any-key', expect: 'Denied', why: 'logs only' },
    ]);
    const stages = Object.entries(json.Resources).filter(([, r]) => (r as { Type?: string }).Type === 'AWS::ApiGateway::Stage');
    expect(stages).toHaveLength(2);
    for (const [, stage] of stages) {
      expect(stage.Properties.AccessLogSetting).toBeDefined();
      expect(stage.DependsOn).toContain(accountId);
    }
  });
});

describe('warnings for settings that would not do what they say', () => {
  const warnings = (stack: ReturnType<typeof testStack>, id: string) =>
    Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp(id)).map((w) => String(w.entry.data));

  it('OIDC allowedClients on AgentCore (its authorizer reads client_id only), not on Lambda, not for audiences', () => {
    const stack = testStack();
    interactiveAgent(stack, 'OidcClientsAgentCore', AGENTCORE, { auth: ChatAuth.oidc({ issuer: OIDC_ISSUER, allowedClients: [OIDC_CLIENT] }) });
    interactiveAgent(stack, 'OidcClientsLambda', LAMBDA, { auth: ChatAuth.oidc({ issuer: OIDC_ISSUER, allowedClients: [OIDC_CLIENT] }) });
    interactiveAgent(stack, 'OidcAudiencesAgentCore', AGENTCORE, { auth: ChatAuth.oidc({ issuer: OIDC_ISSUER, allowedAudiences: ['api://chat'] }) });
    const found = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('client_id claim only'));
    expect(found.map((w) => w.id)).toEqual(['/TestStack/OidcClientsAgentCore']);
    expect(warnings(stack, 'client_id claim only')[0]).toMatch(/Prefer allowedAudiences/);
  });

  it('grantChat on an agent whose callers authenticate with tokens', () => {
    const stack = testStack();
    const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    interactiveAgent(stack, 'Iam', LAMBDA, { auth: chatAuth(ChatAuthType.IAM) }).grantChat(role);
    interactiveAgent(stack, 'Cognito', LAMBDA).grantChat(role);
    const found = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('only ChatAuth.iam\\(\\) checks'));
    expect(found.map((w) => w.id)).toEqual(['/TestStack/Cognito']);
  });
});
