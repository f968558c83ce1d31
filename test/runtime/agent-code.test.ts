import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { AgentCode, AgentRuntimeFactory, AgentRuntimeType } from '../../src';
import { synth, testStack } from '../helpers/test-app';
import { FIXTURES } from './fixtures';

const tsCode = () => AgentCode.fromTypeScriptEntry({
  lambdaEntry: path.join(FIXTURES, 'ts-agent', 'lambda.ts'),
  agentCoreEntry: path.join(FIXTURES, 'ts-agent', 'agentcore.ts'),
});

/** The staged asset directory of the stack's Lambda function code (`asset.<hash>` in the assembly). */
function stagedLambdaAsset(stack: ReturnType<typeof testStack>): string {
  const template = synth(stack).toJSON() as { Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string } } }> };
  const fn = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function');
  const hash = fn?.Properties.Code?.S3Key?.replace(/\.zip$/, '');
  if (!hash) throw new Error('no Lambda function with an asset');
  return path.join(App.of(stack)!.synth().directory, `asset.${hash}`);
}

describe('AgentCode', () => {
  it('bundles a TypeScript entry with esbuild for Lambda, and the bundle runs as a handler', async () => {
    const stack = testStack();
    AgentRuntimeFactory.create(stack, 'Agent', { type: AgentRuntimeType.LAMBDA }, { agentName: 'ts', code: tsCode() });
    const directory = stagedLambdaAsset(stack);

    expect(fs.readdirSync(directory).sort()).toEqual(['index.js', 'package.json']);
    expect(JSON.parse(fs.readFileSync(path.join(directory, 'package.json'), 'utf8'))).toEqual({ type: 'module' });
    const bundle = await import(pathToFileURL(path.join(directory, 'index.js')).href) as { handler: (event: unknown) => Promise<unknown> };
    await expect(bundle.handler({ data: 'hello' })).resolves.toEqual({ result: 'received 5 characters' });
  });

  it('bundles the AgentCore entry separately, into one file that imports nothing local', () => {
    const stack = testStack();
    AgentRuntimeFactory.create(stack, 'Agent', { type: AgentRuntimeType.AGENTCORE }, { agentName: 'ts', code: tsCode() });
    synth(stack).hasResourceProperties('AWS::BedrockAgentCore::Runtime', {
      AgentRuntimeArtifact: { CodeConfiguration: { Runtime: 'NODE_22', EntryPoint: ['index.js'] } },
    });
    const assembly = App.of(stack)!.synth().directory;
    const bundles = fs.readdirSync(assembly).filter((entry) => entry.startsWith('asset.'))
      .map((entry) => path.join(assembly, entry, 'index.js')).filter((file) => fs.existsSync(file));
    expect(bundles).toHaveLength(1);
    const source = fs.readFileSync(bundles[0], 'utf8');
    expect(source).toContain('received');
    expect(source).not.toMatch(/from\s*["']\.\/shared/);
  });

  it('hands both runtimes the same directory, each with its own entrypoint', () => {
    const directory = path.join(FIXTURES, 'node-agent');
    const code = AgentCode.fromNodejsDirectory(directory, { lambdaHandler: 'index.handler', agentCoreEntrypoint: 'index.js' });
    const lambdaStack = testStack();
    AgentRuntimeFactory.create(lambdaStack, 'Agent', { type: AgentRuntimeType.LAMBDA }, { agentName: 'n', code });
    const agentCoreStack = testStack();
    AgentRuntimeFactory.create(agentCoreStack, 'Agent', { type: AgentRuntimeType.AGENTCORE }, { agentName: 'n', code });

    const lambdaAsset = stagedLambdaAsset(lambdaStack);
    const agentCoreTemplate = JSON.stringify(synth(agentCoreStack).toJSON());
    // Same source files, same content hash: byte-for-byte the same code on both runtimes.
    const hash = path.basename(lambdaAsset).replace(/^asset\./, '');
    expect(agentCoreTemplate).toContain(`${hash}.zip`);
  });
});
