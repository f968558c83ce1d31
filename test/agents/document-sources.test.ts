import { Match } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { AgentRuntimeErrors, DocumentSource } from '../../src';
import { synth, testStack } from '../helpers/test-app';
import { agentEnvironment, batchAgent, RUNTIME_TYPES } from './helpers';

describe.each(RUNTIME_TYPES)('documentSources on %s', (type) => {
  it('without sources the agent is told it reads no documents, and its role reads no bucket but the prompt', () => {
    const stack = testStack();
    batchAgent(stack, 'A', type);
    const template = synth(stack);
    expect(stack.resolve(agentEnvironment(template.toJSON()).DOCUMENT_SOURCES)).toBe('[]');
    const reads = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Sid?: string }>)
      .filter((s) => ([] as string[]).concat(s.Action).includes('s3:GetObject'));
    expect(reads.map((s) => s.Sid)).toEqual(type === 'LAMBDA' ? ['ReadPromptAndTools'] : ['ReadCodePackage', 'ReadPromptAndTools']);
  });

  it('passes each source to the agent and grants GetObject under its prefix, and Decrypt on a KMS-encrypted bucket', () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'DocsKey');
    const bucket = new s3.Bucket(stack, 'Docs', { encryptionKey: key });
    batchAgent(stack, 'A', type, { documentSources: [DocumentSource.fromBucket(bucket, 'incoming/')] });
    const template = synth(stack);
    const sources = agentEnvironment(template.toJSON()).DOCUMENT_SOURCES;
    expect(JSON.stringify(sources)).toContain('{\\"bucketName\\":\\"');
    expect(JSON.stringify(sources)).toContain('\\",\\"prefix\\":\\"incoming/\\"}]');
    const bucketId = stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/incoming/*']] } }),
          Match.objectLike({ Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] } }),
        ]),
      },
    });
  });

  it('rejects a source that is not a DocumentSource or has a leading slash, naming the field', () => {
    const stack = testStack();
    const bucket = new s3.Bucket(stack, 'Docs');
    const cases: Array<[unknown, RegExp]> = [
      ['s3://docs/incoming/', /documentSources\[0\] is "s3:\/\/docs\/incoming\/"; allowed: DocumentSource.fromBucket/],
      [DocumentSource.fromBucket(bucket, '/incoming/'), /documentSources\[0\]\.prefix is "\/incoming\/"; allowed: a key prefix without a leading '\/'/],
    ];
    cases.forEach(([source, message], i) => {
      let error: unknown;
      try {
        batchAgent(stack, `B${i}`, type, { documentSources: [source as DocumentSource] });
      } catch (e) {
        error = e;
      }
      expect(AgentRuntimeErrors.isInvalidRuntimeConfigError(error)).toBe(true);
      expect((error as Error).message).toMatch(message);
    });
  });
});
