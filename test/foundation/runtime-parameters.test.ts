// readRuntimeFoundationParameters against a local stand-in for SSM's JSON API, with the real SSMClient.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SSMClient } from '@aws-sdk/client-ssm';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ENVIRONMENT_PATTERN as SDK_ENVIRONMENT_PATTERN,
  InvalidRuntimeFoundationEnvironmentError,
  InvalidRuntimeFoundationParameterError,
  MissingRuntimeFoundationParametersError,
  readRuntimeFoundationParameters,
  RuntimeFoundationParametersError,
} from '../../sdk';
import { ENVIRONMENT_PATTERN } from '../../src/foundation/names';

process.env.AWS_EC2_METADATA_DISABLED = 'true';

interface RecordedRequest {
  readonly target: string | undefined;
  readonly contentType: string | undefined;
  readonly body: { Names?: string[]; WithDecryption?: boolean };
}

/** SSM's parameters, per name, that the stand-in serves. */
const store = new Map<string, string>();
const requests: RecordedRequest[] = [];
/** When set, the stand-in answers every request with this error. */
let failWith: { status: number; type: string; message: string } | undefined;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      const body = JSON.parse(raw || '{}') as RecordedRequest['body'];
      const target = header(req.headers, 'x-amz-target');
      requests.push({ target, contentType: header(req.headers, 'content-type'), body });
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (failWith) {
        res.statusCode = failWith.status;
        res.end(JSON.stringify({ __type: failWith.type, message: failWith.message }));
        return;
      }
      if (target !== 'AmazonSSM.GetParameters') {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: 'UnknownOperationException', message: String(target) }));
        return;
      }
      const names = body.Names ?? [];
      res.end(
        JSON.stringify({
          Parameters: names
            .filter((name) => store.has(name))
            .map((name) => ({
              Name: name,
              Type: 'String',
              Value: store.get(name),
              Version: 1,
              ARN: `arn:aws:ssm:us-east-1:123456789012:parameter${name}`,
              DataType: 'text',
            })),
          InvalidParameters: names.filter((name) => !store.has(name)),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
});

beforeEach(() => {
  store.clear();
  requests.length = 0;
  failWith = undefined;
});

function client(): SSMClient {
  return new SSMClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
}

function publish(environment: string, values: Partial<Record<string, string>> = {}): void {
  const defaults: Record<string, string> = {
    execution_role_arn: `arn:aws:iam::123456789012:role/myorg-customer-support-${environment}-agentcore-runtime`,
    execution_role_name: `myorg-customer-support-${environment}-agentcore-runtime`,
    log_group_name: `/aws/vendedlogs/bedrock-agentcore/${environment}/myorg/customer-support`,
    xray_enabled: 'true',
  };
  for (const [key, value] of Object.entries({ ...defaults, ...values })) {
    if (value !== undefined) store.set(`/agentcore/${environment}/runtime/${key}`, value);
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('readRuntimeFoundationParameters', () => {
  it('returns the four parameters typed, from one GetParameters call', async () => {
    publish('dev');
    const parameters = await readRuntimeFoundationParameters('dev', { client: client() });
    expect(parameters).toEqual({
      environment: 'dev',
      executionRoleArn: 'arn:aws:iam::123456789012:role/myorg-customer-support-dev-agentcore-runtime',
      executionRoleName: 'myorg-customer-support-dev-agentcore-runtime',
      logGroupName: '/aws/vendedlogs/bedrock-agentcore/dev/myorg/customer-support',
      xrayEnabled: true,
    });
    expect(requests).toHaveLength(1);
    expect(requests[0].target).toBe('AmazonSSM.GetParameters');
    expect(requests[0].contentType).toBe('application/x-amz-json-1.1');
    expect(requests[0].body.Names).toEqual([
      '/agentcore/dev/runtime/execution_role_arn',
      '/agentcore/dev/runtime/execution_role_name',
      '/agentcore/dev/runtime/log_group_name',
      '/agentcore/dev/runtime/xray_enabled',
    ]);
  });

  it('parses xray_enabled=false', async () => {
    publish('prod', { xray_enabled: 'false' });
    expect((await readRuntimeFoundationParameters('prod', { client: client() })).xrayEnabled).toBe(false);
  });

  it.each(['TRUE', 'yes', '1', ' true'])('rejects xray_enabled=%j, naming parameter, value and what is allowed', async (value) => {
    publish('dev', { xray_enabled: value });
    const error = await rejection(readRuntimeFoundationParameters('dev', { client: client() }));
    expect(error).toBeInstanceOf(InvalidRuntimeFoundationParameterError);
    const invalid = error as InvalidRuntimeFoundationParameterError;
    expect(invalid.parameterName).toBe('/agentcore/dev/runtime/xray_enabled');
    expect(invalid.value).toBe(value);
    expect(invalid.message).toContain(`"${value}"`);
    expect(invalid.message).toContain('"true" or "false"');
  });

  it('names exactly the missing parameters and the environment', async () => {
    publish('staging', { execution_role_name: undefined, xray_enabled: undefined });
    const error = await rejection(readRuntimeFoundationParameters('staging', { client: client() }));
    expect(error).toBeInstanceOf(MissingRuntimeFoundationParametersError);
    expect(error).toBeInstanceOf(RuntimeFoundationParametersError);
    const missing = error as MissingRuntimeFoundationParametersError;
    expect(missing.environment).toBe('staging');
    expect(missing.missingParameters).toEqual([
      '/agentcore/staging/runtime/execution_role_name',
      '/agentcore/staging/runtime/xray_enabled',
    ]);
    expect(missing.message).toContain('"staging"');
    expect(missing.message).toContain('/agentcore/staging/runtime/execution_role_name, /agentcore/staging/runtime/xray_enabled');
    expect(missing.message).not.toContain('execution_role_arn');
  });

  it('names all four when the environment has no foundation', async () => {
    publish('dev');
    const error = (await rejection(readRuntimeFoundationParameters('qa', { client: client() }))) as MissingRuntimeFoundationParametersError;
    expect(error.missingParameters).toHaveLength(4);
  });

  it.each(['', 'Dev', 'dev_1', 'dev/../prod', '-dev', 'x123456789abcdefg'])(
    'rejects environment %j before any call',
    async (environment) => {
      const error = await rejection(readRuntimeFoundationParameters(environment, { client: client() }));
      expect(error).toBeInstanceOf(InvalidRuntimeFoundationEnvironmentError);
      expect((error as Error).message).toContain(`"${environment}"`);
      expect((error as Error).message).toContain('allowed');
      expect(requests).toHaveLength(0);
    },
  );

  it('passes SSM errors through unchanged', async () => {
    failWith = { status: 400, type: 'AccessDeniedException', message: 'not authorized to perform ssm:GetParameters' };
    const error = await rejection(readRuntimeFoundationParameters('dev', { client: client() }));
    expect((error as Error).name).toBe('AccessDeniedException');
    expect(error).not.toBeInstanceOf(RuntimeFoundationParametersError);
  });

  it('creates its own client for the Region when none is given', async () => {
    publish('dev');
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SSM: endpoint,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
    try {
      const parameters = await readRuntimeFoundationParameters('dev', { region: 'eu-west-1' });
      expect(parameters.executionRoleName).toBe('myorg-customer-support-dev-agentcore-runtime');
      expect(requests).toHaveLength(1);
    } finally {
      for (const key of ['AWS_ENDPOINT_URL_SSM', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
  });

  it('accepts exactly the environment names the construct accepts', () => {
    expect(SDK_ENVIRONMENT_PATTERN.source).toBe(ENVIRONMENT_PATTERN.source);
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 20 }), fc.stringMatching(/^[a-z][a-z0-9-]{0,16}$/)), (name) => {
        expect(SDK_ENVIRONMENT_PATTERN.test(name)).toBe(ENVIRONMENT_PATTERN.test(name));
      }),
      { numRuns: 500 },
    );
  });
});
