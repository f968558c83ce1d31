/**
 * cdk-nag AwsSolutions over InteractiveAgents on both runtimes (DESIGN.md decision 7): the full
 * list of findings, then none left once `acknowledgeInteractiveAgentFindings` (the examples' file)
 * has acknowledged them, each on the construct that raises it. With no authentication the
 * methods' findings stay. The example's stacks pass with the same acknowledgements.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { InteractiveAgentStack } from '../../../examples/interactive-agent/stack';
import { acknowledgeInteractiveAgentFindings } from '../../../examples/nag-acknowledgements';
import { AgentRuntimeType, ChatAuthType, InteractiveAgent } from '../../../src';
import { TEST_ENV, VALIDATION_CONTEXT } from '../../helpers/test-app';
import { chatAuth, interactiveAgent } from './helpers';

const { LAMBDA, AGENTCORE } = AgentRuntimeType;
const CORS = { allowedOrigins: ['https://chat.example.com'] };

const outdirs: string[] = [];
afterAll(() => outdirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** An app with cdk-nag's AwsSolutions checks, writing its report to a directory of its own. */
function nagApp(): App {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'interactive-agent-nag-'));
  outdirs.push(outdir);
  const app = new App({ context: VALIDATION_CONTEXT, outdir });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app;
}

/** `<construct path> <finding id>` for every unacknowledged finding of the app's synth, hashes and generated names normalized. */
function nagFindings(app: App): string[] {
  let error: unknown;
  try {
    app.synth();
  } catch (e) {
    error = e;
  }
  const report = path.join(app.outdir, 'validation-report.json');
  if (!fs.existsSync(report)) {
    if (error !== undefined) throw error;
    return [];
  }
  type Report = { pluginReports: Array<{ violations: Array<{ ruleName: string; violatingConstructs: Array<{ constructPath: string }> }> }> };
  const parsed = JSON.parse(fs.readFileSync(report, 'utf8')) as Report;
  const findings = parsed.pluginReports.flatMap((r) => r.violations.flatMap((v) => v.violatingConstructs.map((c) => `${c.constructPath.replace(/\/Resource$/, '')} ${v.ruleName}`)));
  if (findings.length > 0 && error === undefined) throw new Error('cdk-nag reported findings without failing the synth');
  return [...new Set(findings.map((f) => f.replace(/[0-9A-F]{8}(\.\w+>)/g, '<hash>$1').replace(/_[0-9a-f]{8}-\*/g, '_<hash>-*')))].sort();
}

/** Four agents: Cognito on each runtime (with CORS, as the example), IAM on AgentCore (the proxy invokes), OIDC on Lambda. */
function chatStack(app: App): InteractiveAgent[] {
  const stack = new Stack(app, 'Chat', { env: TEST_ENV });
  return [
    interactiveAgent(stack, 'OnLambda', LAMBDA, { auth: chatAuth(ChatAuthType.COGNITO), cors: CORS }),
    interactiveAgent(stack, 'OnAgentCore', AGENTCORE, { auth: chatAuth(ChatAuthType.COGNITO), cors: CORS }),
    interactiveAgent(stack, 'IamOnAgentCore', AGENTCORE, { auth: chatAuth(ChatAuthType.IAM) }),
    interactiveAgent(stack, 'OidcOnLambda', LAMBDA, { auth: chatAuth(ChatAuthType.OIDC) }),
  ];
}

const METHODS = ['chat/POST', 'sessions/GET', 'sessions/{sessionId}/DELETE', 'sessions/{sessionId}/GET'];

/** What every chat raises, whichever the runtime and the auth. */
function chatFindings(id: string, onAgentCore: boolean): string[] {
  const at = `Chat/${id}`;
  const agent = onAgentCore
    ? [
      `${at}/RuntimeAgentCore/ExecutionRole/DefaultPolicy AwsSolutions-IAM5[Resource::*]`,
      `${at}/RuntimeAgentCore/ExecutionRole/DefaultPolicy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock-agentcore:us-east-1:123456789012:workload-identity-directory/default/workload-identity/Chat_chat_${id.toLowerCase()}_<hash>-*]`,
      `${at}/RuntimeAgentCore/ExecutionRole/DefaultPolicy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:us-east-1:123456789012:log-group:/aws/bedrock-agentcore/runtimes/Chat_chat_${id.toLowerCase()}_<hash>-*:log-stream:*]`,
      `${at}/RuntimeAgentCore/ExecutionRole/DefaultPolicy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:us-east-1:123456789012:log-group:/aws/bedrock-agentcore/runtimes/Chat_chat_${id.toLowerCase()}_<hash>-*]`,
      `${at}/RuntimeAgentCore/ExecutionRole/DefaultPolicy AwsSolutions-IAM5[Resource::<${id}SessionsBucket<hash>.Arn>/sessions/*]`,
      `${at}/ChatProxy/Function AwsSolutions-L1`,
    ]
    : [
      `${at}/RuntimeLambda/ExecutionRole/DefaultPolicy AwsSolutions-IAM5[Resource::*]`,
      `${at}/RuntimeLambda/ExecutionRole/DefaultPolicy AwsSolutions-IAM5[Resource::<${id}SessionsBucket<hash>.Arn>/sessions/*]`,
      `${at}/RuntimeLambda/Function AwsSolutions-L1`,
    ];
  return [
    ...agent,
    ...METHODS.map((m) => `${at}/ChatApi/Api/Default/${m} AwsSolutions-COG4`),
    `${at}/ChatApi/Api AwsSolutions-APIG2`,
    `${at}/ChatApi/Api/DeploymentStage.v1 AwsSolutions-APIG3`,
    `${at}/ChatApi/Api/DeploymentStage.v1 AwsSolutions-APIG6`,
    `${at}/ChatApi/Sessions/Function AwsSolutions-L1`,
    `${at}/ChatApi/Sessions/Role/DefaultPolicy AwsSolutions-IAM5[Resource::<${id}SessionsBucket<hash>.Arn>/sessions/*]`,
    `${at}/Sessions/Bucket AwsSolutions-S1`,
  ];
}

describe('cdk-nag AwsSolutions over InteractiveAgents on both runtimes', () => {
  it('lists every finding of the agents, their chat APIs, functions, session stores and user pools', () => {
    const app = nagApp();
    chatStack(app);
    const tokenAuthorizer = (id: string) => `Chat/${id}/ChatApi/TokenAuthorizer/Function AwsSolutions-L1`;
    const userPool = (id: string) => [`Chat/${id}/UserPool AwsSolutions-COG2`, `Chat/${id}/UserPool AwsSolutions-COG8`];
    const expected = [
      ...chatFindings('OnLambda', false), tokenAuthorizer('OnLambda'), ...userPool('OnLambda'),
      ...chatFindings('OnAgentCore', true), tokenAuthorizer('OnAgentCore'), ...userPool('OnAgentCore'),
      ...chatFindings('IamOnAgentCore', true),
      'Chat/IamOnAgentCore/ChatProxy/Role/DefaultPolicy AwsSolutions-IAM5[Resource::<IamOnAgentCoreRuntimeAgentCoreRuntime<hash>.AgentRuntimeArn>/*]',
      ...chatFindings('OidcOnLambda', false), tokenAuthorizer('OidcOnLambda'),
      // One per stack: the account's CloudWatch role for the stages' access logs.
      'Chat/AgenticAiFrameworkApiGatewayAccount/CloudWatchRole AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
    ];
    expect(nagFindings(app)).toEqual([...new Set(expected)].sort());
  });

  it('with acknowledgeInteractiveAgentFindings (examples/nag-acknowledgements.ts): no unacknowledged finding', () => {
    const app = nagApp();
    chatStack(app).forEach(acknowledgeInteractiveAgentFindings);
    expect(nagFindings(app)).toEqual([]);
  });

  it('leaves the findings of an API without authentication to whoever chose it: every method, on both runtimes', () => {
    const app = nagApp();
    const stack = new Stack(app, 'Chat', { env: TEST_ENV });
    for (const [id, type] of [['OpenOnLambda', LAMBDA], ['OpenOnAgentCore', AGENTCORE]] as const) {
      acknowledgeInteractiveAgentFindings(interactiveAgent(stack, id, type, { auth: chatAuth(ChatAuthType.NONE) }));
    }
    const open = (id: string) => METHODS.flatMap((m) => [`Chat/${id}/ChatApi/Api/Default/${m} AwsSolutions-APIG4`, `Chat/${id}/ChatApi/Api/Default/${m} AwsSolutions-COG4`]);
    expect(nagFindings(app)).toEqual([...open('OpenOnAgentCore'), ...open('OpenOnLambda')].sort());
  });

  it.each([LAMBDA, AGENTCORE])('the interactive-agent example on %s passes with the same acknowledgements', (runtimeType) => {
    const app = nagApp();
    const stack = new InteractiveAgentStack(app, 'Example', { env: TEST_ENV, runtimeType, allowedOrigin: 'https://chat.example.com' });
    // The example calls it itself once it is wired; twice acknowledges the same findings.
    acknowledgeInteractiveAgentFindings(stack.agent);
    expect(nagFindings(app)).toEqual([]);
  });
});
