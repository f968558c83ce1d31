import { Aws, Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import {
  allPolicyStatements,
  CONFUSED_DEPUTY_CONDITION_SERVICES,
  CONFUSED_DEPUTY_EXEMPT_SERVICES,
  expectValidIam,
  findIamIssues,
  isKnownServicePrincipal,
  KNOWN_SERVICE_PRINCIPALS,
  resolveSimpleIntrinsic,
  type IamFinding,
  type IamValidityOptions,
} from './iam-validity.js';
import { synth, testStack } from './test-app.js';

function fn(stack: Stack, id = 'Fn'): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
  });
}

/** A stack with one role holding `statement` as an inline policy. */
function withStatement(props: iam.PolicyStatementProps): Stack {
  const stack = testStack();
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  role.addToPolicy(new iam.PolicyStatement(props));
  return stack;
}

function trustedBy(principal: iam.IPrincipal): Stack {
  const stack = testStack();
  new iam.Role(stack, 'Role', { assumedBy: principal });
  return stack;
}

async function errors(stack: Stack, options?: IamValidityOptions): Promise<IamFinding[]> {
  return (await findIamIssues(synth(stack), options)).filter((f) => f.severity === 'error');
}

const BUCKET_ARN = 'arn:aws:s3:::my-bucket/*';

describe('clean stacks', () => {
  it('a Lambda function with bucket.grantRead has no findings (its lambda trust needs no condition)', async () => {
    const stack = testStack();
    new s3.Bucket(stack, 'Bucket').grantRead(fn(stack));
    const template = synth(stack);
    // Sanity: the walk saw both the trust policy and the grant.
    const kinds = allPolicyStatements(template).map((s) => s.kind);
    expect(kinds).toEqual(expect.arrayContaining(['trust', 'identity']));
    await expect(expectValidIam(template)).resolves.toEqual([]);
    // The plain JSON object works as well as the Template.
    await expect(expectValidIam(template.toJSON())).resolves.toEqual([]);
  });

  it('accepts wildcard actions that match real actions', async () => {
    expect(await errors(withStatement({ actions: ['s3:Get*', 'kms:ReEncrypt*', 'logs:*'], resources: [BUCKET_ARN] }))).toEqual([]);
  });

  it('matches actions case-insensitively, as IAM does', async () => {
    expect(await errors(withStatement({ actions: ['S3:getobject'], resources: [BUCKET_ARN] }))).toEqual([]);
  });

  it('allows Resource "*" for actions without resource types', async () => {
    const stack = withStatement({ actions: ['xray:PutTraceSegments', 'ecr:GetAuthorizationToken'], resources: ['*'] });
    expect(await errors(stack)).toEqual([]);
  });

  it('exempts key policies from the Resource "*" rule and resolves regional logs principals', async () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'Key'); // default key policy: kms:* on "*"
    // Renders as Fn::Join ["", ["logs.", {Ref: AWS::Region}, ".amazonaws.com"]]
    key.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`));
    const template = synth(stack);
    expect(JSON.stringify(template.toJSON())).toContain('"logs.",{"Ref":"AWS::Region"}');
    await expect(expectValidIam(template, { region: 'eu-west-1' })).resolves.toEqual([]);
  });

  it('accepts Lambda permissions for real service principals and accounts', async () => {
    const stack = testStack();
    const f = fn(stack);
    f.addPermission('Events', { principal: new iam.ServicePrincipal('events.amazonaws.com') });
    f.addPermission('Account', { principal: new iam.AccountPrincipal('210987654321') });
    expect(await errors(stack)).toEqual([]);
  });
});

describe('rule: actions exist', () => {
  it('flags a misspelled action', async () => {
    const found = await errors(withStatement({ actions: ['s3:GetObjekt'], resources: [BUCKET_ARN] }));
    expect(found).toEqual([
      expect.objectContaining({ logicalId: expect.stringMatching(/^RoleDefaultPolicy/), rule: 'unknown-action', message: expect.stringContaining('s3:GetObjekt') }),
    ]);
    expect(found[0].path).toBe('Properties.PolicyDocument.Statement[0].Action');
  });

  it('flags an unknown service prefix', async () => {
    const found = await errors(withStatement({ actions: ['bedrock-agent:InvokeAgentGateway'], resources: [BUCKET_ARN] }));
    expect(found).toEqual([
      expect.objectContaining({ rule: 'unknown-action', message: expect.stringContaining('"bedrock-agent" is not an IAM service prefix') }),
    ]);
  });

  it('flags a wildcard that matches nothing, a lone "*" and a bad NotAction', async () => {
    const stack = testStack();
    new iam.ManagedPolicy(stack, 'Policy', {
      statements: [
        new iam.PolicyStatement({ actions: ['s3:Frobnicate*'], resources: [BUCKET_ARN] }),
        new iam.PolicyStatement({ actions: ['*'], resources: [BUCKET_ARN] }),
        new iam.PolicyStatement({ effect: iam.Effect.DENY, notActions: ['s3:GetObjekt'], resources: [BUCKET_ARN] }),
      ],
    });
    const found = await errors(stack);
    expect(found.map((f) => [f.rule, f.path])).toEqual([
      ['unknown-action', 'Properties.PolicyDocument.Statement[0].Action'],
      ['unknown-action', 'Properties.PolicyDocument.Statement[1].Action'],
      ['unknown-action', 'Properties.PolicyDocument.Statement[2].NotAction'],
    ]);
    expect(found[1].message).toContain('lone "*"');
  });
});

describe('rule: Resource "*"', () => {
  it('flags s3:GetObject on "*"', async () => {
    const found = await errors(withStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
    expect(found).toEqual([expect.objectContaining({ rule: 'wildcard-resource', message: expect.stringContaining('s3:GetObject') })]);
  });

  it('flags logs:PutLogEvents on "*" but not xray:PutTraceSegments in the same statement', async () => {
    const found = await errors(withStatement({ actions: ['logs:PutLogEvents', 'xray:PutTraceSegments'], resources: ['*'] }));
    expect(found).toHaveLength(1);
    expect(found[0].rule).toBe('wildcard-resource');
    expect(found[0].message).toContain('logs:PutLogEvents');
    expect(found[0].message).not.toContain('xray');
  });

  it('records a Condition-scoped "*" as a note that does not fail', async () => {
    const stack = withStatement({
      actions: ['s3:GetObject'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:ResourceAccount': '123456789012' } },
    });
    const notes = await expectValidIam(synth(stack));
    expect(notes).toEqual([expect.objectContaining({ rule: 'wildcard-resource', severity: 'note' })]);
  });

  it('honours an explicit exception, limited by logical id', async () => {
    const stack = withStatement({ actions: ['logs:PutLogEvents'], resources: ['*'] });
    const allow = (logicalIdPattern: RegExp): IamValidityOptions => ({
      allowWildcardResource: [{ logicalIdPattern, action: 'logs:putlogevents', reason: 'test' }],
    });
    expect(await errors(stack, allow(/^Role/))).toEqual([]);
    expect(await errors(stack, allow(/^Other/))).toEqual([expect.objectContaining({ rule: 'wildcard-resource' })]);
  });

  it('throws from expectValidIam listing every finding', async () => {
    const stack = withStatement({ actions: ['s3:GetObjekt', 's3:PutObject'], resources: ['*'] });
    await expect(expectValidIam(synth(stack))).rejects.toThrow(/2 IAM finding\(s\):\n.*\[unknown-action\].*\n.*\[wildcard-resource\]/);
  });
});

describe('rule: service principals exist', () => {
  it('rejects agentcore.amazonaws.com, which is not a service principal', async () => {
    expect(KNOWN_SERVICE_PRINCIPALS).not.toContain('agentcore.amazonaws.com');
    expect(isKnownServicePrincipal('agentcore.amazonaws.com')).toBe(false);
    const found = await errors(trustedBy(new iam.ServicePrincipal('agentcore.amazonaws.com')));
    expect(found).toEqual([
      expect.objectContaining({
        rule: 'unknown-service-principal',
        path: 'Properties.AssumeRolePolicyDocument.Statement[0].Principal.Service',
        message: expect.stringContaining('agentcore.amazonaws.com'),
      }),
    ]);
  });

  it('knows regional logs principals but not regional forms of other services', () => {
    expect(isKnownServicePrincipal('logs.eu-central-1.amazonaws.com')).toBe(true);
    expect(isKnownServicePrincipal('lambda.eu-central-1.amazonaws.com')).toBe(false);
    expect(isKnownServicePrincipal('Lambda.amazonaws.com.cn')).toBe(true);
  });

  it('flags a bad service principal on a Lambda permission', async () => {
    const stack = testStack();
    fn(stack).addPermission('Bad', { principal: new iam.ServicePrincipal('agentcore.amazonaws.com') });
    expect(await errors(stack)).toEqual([
      expect.objectContaining({ rule: 'unknown-service-principal', path: 'Properties.Principal' }),
    ]);
  });

  it('checks plain-string CloudWatch Logs resource policies and skips intrinsic ones', async () => {
    const stack = testStack();
    new logs.CfnResourcePolicy(stack, 'Plain', {
      policyName: 'plain',
      policyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'delivery.logz.amazonaws.com' }, Action: 'logs:PutLogEvents', Resource: 'arn:aws:logs:us-east-1:123456789012:log-group:x:*' }],
      }),
    });
    new logs.CfnResourcePolicy(stack, 'Intrinsic', {
      policyName: 'intrinsic',
      policyDocument: Fn.join('', ['{"Statement":[{"Principal":{"Service":"nope.amazonaws.com"},"Resource":"', Aws.ACCOUNT_ID, '"}]}']),
    });
    expect(await errors(stack)).toEqual([
      expect.objectContaining({ logicalId: 'Plain', rule: 'unknown-service-principal', message: expect.stringContaining('delivery.logz') }),
    ]);
  });

  it('reports principals it cannot resolve unless told to ignore them', async () => {
    const stack = testStack();
    const bucket = new s3.Bucket(stack, 'Bucket');
    new iam.CfnRole(stack, 'Role', {
      assumeRolePolicyDocument: {
        Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: bucket.bucketName } }],
      },
    });
    expect(await errors(stack)).toEqual([expect.objectContaining({ rule: 'unresolved-service-principal' })]);
    expect(await errors(stack, { ignoreUnresolvedPrincipals: true })).toEqual([]);
  });

  it('resolves the simple intrinsic shapes', () => {
    const join = { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] };
    expect(resolveSimpleIntrinsic(join, 'ap-south-1')).toBe('logs.ap-south-1.amazonaws.com');
    expect(resolveSimpleIntrinsic(join, 'cn-north-1')).toBe('logs.cn-north-1.amazonaws.com.cn');
    expect(resolveSimpleIntrinsic({ 'Fn::Join': ['', ['x', { Ref: 'Bucket' }]] }, 'us-east-1')).toBeUndefined();
  });
});

describe('rule: confused-deputy conditions on trust policies', () => {
  it('lists bedrock-agentcore as needing the condition and lambda as exempt', () => {
    expect(CONFUSED_DEPUTY_CONDITION_SERVICES).toContain('bedrock-agentcore.amazonaws.com');
    expect(CONFUSED_DEPUTY_EXEMPT_SERVICES).toContain('lambda.amazonaws.com');
  });

  it('flags a bedrock-agentcore trust without aws:SourceAccount/SourceArn', async () => {
    const found = await errors(trustedBy(new iam.ServicePrincipal('bedrock-agentcore.amazonaws.com')));
    expect(found).toEqual([
      expect.objectContaining({ rule: 'missing-source-condition', message: expect.stringContaining('bedrock-agentcore.amazonaws.com') }),
    ]);
  });

  it('accepts the trust once the condition is there', async () => {
    const principal = new iam.ServicePrincipal('bedrock-agentcore.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
    });
    expect(await errors(trustedBy(principal))).toEqual([]);
  });

  it('requires the condition when one of several services in the statement needs it', async () => {
    const principal = new iam.CompositePrincipal(
      new iam.ServicePrincipal('lambda.amazonaws.com'),
      new iam.ServicePrincipal('states.amazonaws.com'),
    );
    const found = await errors(trustedBy(principal));
    expect(found).toEqual([expect.objectContaining({ rule: 'missing-source-condition', message: expect.stringContaining('states.amazonaws.com') })]);
    expect(found[0].message).not.toContain('lambda');
  });
});

describe('allPolicyStatements', () => {
  it('returns flattened statements to find by action', () => {
    const stack = testStack();
    new s3.Bucket(stack, 'Bucket').grantRead(fn(stack));
    const reads = allPolicyStatements(synth(stack)).filter(
      (s) => Array.isArray(s.statement.Action) && s.statement.Action.includes('s3:GetObject*'),
    );
    expect(reads).toEqual([
      expect.objectContaining({ kind: 'identity', resourceType: 'AWS::IAM::Policy', logicalId: expect.stringMatching(/^FnServiceRoleDefaultPolicy/) }),
    ]);
  });
});
