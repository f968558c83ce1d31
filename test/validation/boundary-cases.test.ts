import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Lazy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { AgentCode, AgentRuntimeErrors, AgentRuntimeFactory, AgentRuntimeType, BatchAgent, BatchAgentProps, DocumentSource } from '../../src';
import { promptAsset, stackIn, wrong } from './helpers';

function typedError(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    expect(error).not.toBeInstanceOf(TypeError);
    expect(AgentRuntimeErrors.isInvalidRuntimeConfigError(error)).toBe(true);
    return error as Error;
  }
  throw new Error('expected a typed error, nothing was thrown');
}

describe('inputs at the edges of the construct boundary, from plain JavaScript', () => {
  it('BatchAgent without props', () => {
    const stack = stackIn();
    expect(typedError(() => new BatchAgent(stack, 'A', wrong<BatchAgentProps>(undefined))).message).toMatch(/props is undefined; allowed: an object/);
  });

  it('a DocumentSource whose bucket is a name, not an s3.IBucket', () => {
    const stack = stackIn();
    const source = DocumentSource.fromBucket(wrong<s3.IBucket>('my-bucket'), 'incoming/');
    const error = typedError(() => new BatchAgent(stack, 'A', {
      agentName: 'a', agentDefinition: { systemPrompt: promptAsset(stack) }, prompt: 'x', documentSources: [source],
    }));
    expect(error.message).toMatch(/documentSources\[0\]\.bucket is "my-bucket"; allowed: an s3\.IBucket/);
  });

  it('a policy statement given as JSON, not an iam.PolicyStatement', () => {
    const stack = stackIn();
    const statement = { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: '*' };
    const error = typedError(() => new BatchAgent(stack, 'A', {
      agentName: 'a', agentDefinition: { systemPrompt: promptAsset(stack), additionalPolicyStatementsForTools: [wrong<iam.PolicyStatement>(statement)] }, prompt: 'x',
    }));
    expect(error.message).toMatch(/additionalPolicyStatementsForTools\[0\] is an object .*iam\.PolicyStatement\.fromJson/);
  });

  it('a log retention known only at deploy time (a token) is accepted', () => {
    const stack = stackIn();
    expect(() => new BatchAgent(stack, 'A', {
      agentName: 'a', agentDefinition: { systemPrompt: promptAsset(stack) }, prompt: 'x',
      logRetention: Lazy.number({ produce: () => 7 }),
    })).not.toThrow();
  });

  it('handlers in a package (Python) or a nested export (Node.js) are found as each runtime reads them', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handlers-'));
    try {
      fs.mkdirSync(path.join(dir, 'pkg'));
      fs.writeFileSync(path.join(dir, 'pkg', 'main.py'), 'def handler(event, context):\n    return event\n');
      fs.writeFileSync(path.join(dir, 'index.js'), 'exports.nested = { handler: async (e) => e };\n');
      const stack = stackIn();
      const create = (id: string, code: AgentCode) => AgentRuntimeFactory.create(stack, id, { type: AgentRuntimeType.LAMBDA }, { agentName: id, code });
      expect(() => create('Py', AgentCode.fromPythonDirectory(dir, { lambdaHandler: 'pkg.main.handler', agentCoreEntrypoint: 'pkg/main.py' }))).not.toThrow();
      expect(() => create('Node', AgentCode.fromNodejsDirectory(dir, { lambdaHandler: 'index.nested.handler' }))).not.toThrow();
      expect(typedError(() => create('Missing', AgentCode.fromPythonDirectory(dir, { lambdaHandler: 'other.main.handler' }))).message).toMatch(/has no other\/main\.py/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('AgentCore reserves the Region and credential variables only; SDK settings stay the user\'s, as on Lambda', () => {
    const stack = stackIn();
    const code = AgentCode.fromNodejsDirectory(path.join(__dirname, '..', 'fixtures', 'node-agent'));
    expect(() => AgentRuntimeFactory.create(stack, 'Ok', { type: AgentRuntimeType.AGENTCORE }, { agentName: 'ok', code, environment: { AWS_MAX_ATTEMPTS: '5' } })).not.toThrow();
    expect(typedError(() => AgentRuntimeFactory.create(stack, 'Bad', { type: AgentRuntimeType.AGENTCORE }, { agentName: 'bad', code, environment: { AWS_SESSION_TOKEN: 'x' } })).message)
      .toMatch(/AWS_SESSION_TOKEN' is reserved/);
  });
});
