/**
 * What a first deploy in a fresh account needs, and the warnings for settings that would not do
 * what they say: the account's API Gateway CloudWatch role (access logs are refused without it),
 * OIDC clients on AgentCore, grantChat without IAM auth.
 */
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { AgentRuntimeType, ChatAuth, ChatAuthType } from '../../../src';
import { testStack } from '../../helpers/test-app';
import { OIDC_CLIENT, OIDC_ISSUER, chatAuth, interactiveAgent } from './helpers';

const { LAMBDA, AGENTCORE } = AgentRuntimeType;

describe('a first deploy in a fresh account', () => {
  it('sets the account\'s API Gateway CloudWatch role once per stack, before any stage with access logs', () => {
    const stack = testStack();
    interactiveAgent(stack, 'One', LAMBDA);
    interactiveAgent(stack, 'Two', AGENTCORE);
    const template = Template.fromStack(stack);
    const accounts = template.findResources('AWS::ApiGateway::Account');
    expect(Object.keys(accounts)).toHaveLength(1);
    const [accountId, account] = Object.entries(accounts)[0]!;
    expect(account.DeletionPolicy).toBe('Retain');
    const roleId = (account.Properties.CloudWatchRoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    template.hasResource('AWS::IAM::Role', Match.objectLike({ Properties: Match.objectLike({
      AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })] }),
    }) }));
    expect(template.toJSON().Resources[roleId].Type).toBe('AWS::IAM::Role');
    const stages = template.findResources('AWS::ApiGateway::Stage');
    expect(Object.keys(stages)).toHaveLength(2);
    for (const stage of Object.values(stages)) {
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
