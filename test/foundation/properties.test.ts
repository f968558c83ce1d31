// Property tests: generated environments, namespaces, retention values, tags and options.
import * as logs from 'aws-cdk-lib/aws-logs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AgentCoreRuntimeFoundation, FoundationTrustedService } from '../../src/foundation';
import { defaultRoleName, ROLE_NAME_PATTERN } from '../../src/foundation/names';
import { InvalidRuntimeConfigError } from '../../src/runtime/errors';
import { expectValidIam } from '../helpers/iam-validity';
import { synth, testStack } from '../helpers/test-app';
import { asList, onlyResource, roleStatements, trustStatements } from './fixtures';

const lower = 'abcdefghijklmnopqrstuvwxyz';
const alnum = `${lower}0123456789`;
const char = (chars: string): fc.Arbitrary<string> => fc.constantFrom(...chars.split(''));
const str = (chars: string, minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: char(chars), minLength, maxLength });

/** Valid environments: a letter, then letters/digits/hyphens, not ending in a hyphen, ≤ 16. */
const environmentArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('dev', 'staging', 'prod'),
  fc
    .tuple(char(lower), str(`${alnum}-`, 0, 14), char(alnum))
    .map(([first, middle, last]) => `${first}${middle}${last}`),
  char(lower),
);

/** A namespace segment: lowercase letters, digits and inner hyphens. */
const segmentArb: fc.Arbitrary<string> = fc.oneof(
  char(alnum),
  fc.tuple(char(alnum), str(`${alnum}-`, 0, 8), char(alnum)).map(([a, b, c]) => `${a}${b}${c}`),
);

/** Valid namespaces: 1-4 segments, ≤ 40 characters. */
const namespaceArb: fc.Arbitrary<string> = fc
  .array(segmentArb, { minLength: 1, maxLength: 4 })
  .map((segments) => segments.join('/'))
  .filter((ns) => ns.length <= 40);

/** Every retention CloudWatch Logs accepts, INFINITE included. */
const retentionArb: fc.Arbitrary<logs.RetentionDays> = fc.constantFrom(
  ...Object.values(logs.RetentionDays).filter((v): v is logs.RetentionDays => typeof v === 'number'),
);

const tagCharacters = `${alnum}ABCDEFGHIJKLMNOPQRSTUVWXYZ _.:/=+-@`;
/** Valid user tags: keys not starting with aws: and not Environment. */
const tagsArb: fc.Arbitrary<Record<string, string>> = fc.dictionary(
  str(tagCharacters, 1, 20).filter((k) => !k.toLowerCase().startsWith('aws:') && k !== 'Environment' && k !== '__proto__'),
  str(tagCharacters, 0, 30),
  { maxKeys: 6 },
);

const servicesArb: fc.Arbitrary<FoundationTrustedService[]> = fc.subarray(
  [FoundationTrustedService.BEDROCK_AGENTCORE, FoundationTrustedService.BEDROCK, FoundationTrustedService.LAMBDA],
  { minLength: 1 },
);

const PRINCIPALS: Record<FoundationTrustedService, string> = {
  [FoundationTrustedService.BEDROCK_AGENTCORE]: 'bedrock-agentcore.amazonaws.com',
  [FoundationTrustedService.BEDROCK]: 'bedrock.amazonaws.com',
  [FoundationTrustedService.LAMBDA]: 'lambda.amazonaws.com',
};

/** A CloudFormation `Fn::Join` of literals and a partition Ref, as text (the Ref as `<partition>`). */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map(text).join(join[0]);
  if ((value as { Ref?: string }).Ref === 'AWS::Partition') return '<partition>';
  return JSON.stringify(value);
}

describe('runtime foundation properties', () => {
  it('synthesizes the SSM contract, names, retention, tags, trust and X-Ray for any valid input', async () => {
    await fc.assert(
      fc.asyncProperty(
        environmentArb,
        namespaceArb,
        retentionArb,
        tagsArb,
        fc.boolean(),
        servicesArb,
        async (environment, agentNamespace, logRetention, tags, xrayTracingEnabled, trustedServices) => {
          const stack = testStack();
          new AgentCoreRuntimeFoundation(stack, 'Foundation', {
            environment,
            agentNamespace,
            logRetention,
            tags,
            xrayTracingEnabled,
            trustedServices,
          });
          const template = synth(stack);
          const nsName = agentNamespace.replace(/\//g, '-');

          // SSM contract: exactly the four parameters, under the environment.
          const parameters = Object.values(template.findResources('AWS::SSM::Parameter')).map((r) => r.Properties);
          expect(parameters.map((p) => p.Name).sort()).toEqual(
            ['execution_role_arn', 'execution_role_name', 'log_group_name', 'xray_enabled'].map(
              (name) => `/agentcore/${environment}/runtime/${name}`,
            ),
          );
          expect(parameters.find((p) => p.Name.endsWith('/xray_enabled'))?.Value).toBe(String(xrayTracingEnabled));

          // Log group: name from environment and namespace, the retention given (none = never expire).
          const logGroup = onlyResource(template, 'AWS::Logs::LogGroup').properties;
          expect(logGroup.LogGroupName).toBe(`/aws/vendedlogs/bedrock-agentcore/${environment}/${agentNamespace}`);
          expect(logGroup.RetentionInDays).toBe(logRetention === logs.RetentionDays.INFINITE ? undefined : logRetention);

          // Role name: a valid IAM name of at most 64 characters, from namespace, environment and
          // stack, ending in a hash.
          const role = onlyResource(template, 'AWS::IAM::Role').properties;
          const roleName = role.RoleName as string;
          expect(roleName).toMatch(ROLE_NAME_PATTERN);
          expect(roleName).toMatch(/-[0-9a-f]{8}$/);
          const readable = `${nsName}-${environment}-TestStack`;
          const kept = roleName.slice(0, -9);
          expect(readable.startsWith(kept)).toBe(true);
          expect(kept.length).toBeGreaterThanOrEqual(Math.min(readable.length, 50));

          // Tags: Environment and every user tag on every taggable resource.
          const expected = { ...tags, Environment: environment };
          for (const type of ['AWS::IAM::Role', 'AWS::Logs::LogGroup']) {
            const actual = Object.fromEntries(
              (onlyResource(template, type).properties.Tags as Array<{ Key: string; Value: string }>).map((t) => [t.Key, t.Value]),
            );
            expect(actual).toEqual(expected);
          }
          for (const p of parameters) expect(p.Tags).toEqual(expected);

          // Trust: exactly the chosen services; Bedrock services pinned to the account.
          const trust = trustStatements(template);
          expect(trust.map((t) => (t.Principal as { Service: string }).Service)).toEqual(trustedServices.map((s) => PRINCIPALS[s]));
          for (const t of trust) {
            const service = (t.Principal as { Service: string }).Service;
            expect(t.Condition !== undefined).toBe(service !== 'lambda.amazonaws.com');
          }

          // Permissions scoped by namespace and environment; X-Ray iff enabled.
          const statements = roleStatements(template);
          expect(text(statements.get('InvokeLambdaTools')?.Resource)).toMatch(new RegExp(`:function:${nsName}-\\*-tool-\\*$`));
          expect(asList(statements.get('ReadEnvironmentParameters')?.Resource).map(text)).toEqual([
            `arn:<partition>:ssm:us-east-1:123456789012:parameter/agentcore/${environment}`,
            `arn:<partition>:ssm:us-east-1:123456789012:parameter/agentcore/${environment}/*`,
          ]);
          expect(statements.has('WriteXRayTraces')).toBe(xrayTracingEnabled);

          await expectValidIam(template);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('derives a valid, deterministic role name of at most 64 characters, different per stack and Region', () => {
    const stackNameArb = fc
      .tuple(char(`${lower}ABCDEFGHIJKLMNOPQRSTUVWXYZ`), str(`${alnum}ABCDEFGHIJKLMNOPQRSTUVWXYZ-`, 0, 127))
      .map(([first, rest]) => `${first}${rest}`);
    const regionArb = fc.constantFrom(undefined, 'us-east-1', 'eu-west-1', 'us-isof-south-1');
    fc.assert(
      fc.property(environmentArb, namespaceArb, stackNameArb, regionArb, regionArb, (environment, agentNamespace, stackName, region, otherRegion) => {
        const parts = { environment, agentNamespace, stackName, region };
        const name = defaultRoleName(parts);
        expect(name).toMatch(ROLE_NAME_PATTERN);
        expect(name).toBe(defaultRoleName({ ...parts }));
        expect(name.startsWith(agentNamespace.replace(/\//g, '-').slice(0, 20))).toBe(true);
        expect(defaultRoleName({ ...parts, stackName: `${stackName}x` })).not.toBe(name);
        if (otherRegion !== region) expect(defaultRoleName({ ...parts, region: otherRegion })).not.toBe(name);
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects any environment outside the pattern, naming field and value', () => {
    const invalidEnvironment = fc
      .string({ minLength: 0, maxLength: 24 })
      .filter((s) => !/^[a-z](?:[a-z0-9-]{0,14}[a-z0-9])?$/.test(s));
    fc.assert(
      fc.property(invalidEnvironment, (environment) => {
        let error: unknown;
        try {
          AgentCoreRuntimeFoundation.parameterNamesFor(environment);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(InvalidRuntimeConfigError);
        expect((error as InvalidRuntimeConfigError).field).toBe('environment');
        expect((error as InvalidRuntimeConfigError).message).toContain(`"${environment}"`);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects tags with an aws: prefix or over-long keys and values, whatever else is valid', () => {
    const badTag = fc.oneof(
      str(tagCharacters, 0, 10).map((k) => [`aws:${k}`, 'v'] as const),
      str(tagCharacters, 129, 140).map((k) => [k, 'v'] as const),
      str(tagCharacters, 257, 270).map((v) => ['Key', v] as const),
    );
    fc.assert(
      fc.property(tagsArb, badTag, (tags, [key, value]) => {
        const stack = testStack();
        expect(
          () => new AgentCoreRuntimeFoundation(stack, 'F', { environment: 'dev', agentNamespace: 'a/b', tags: { ...tags, [key]: value } }),
        ).toThrow(InvalidRuntimeConfigError);
      }),
      { numRuns: 100 },
    );
  });
});
