// The browser bundle of the chat client (scripts/bundle-chat-client.mjs), built into a temporary
// directory: only the client and eventsource-parser in it, nothing of Node's; it runs a turn; and
// the client's sources type-check against a browser's globals alone (no @types/node).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goldenTurn, startChatStandIn, type ChatStandIn } from './helpers/chat-stand-in';

type ChatClientModule = typeof import('../../sdk/chat-client');
type BundleChatClient = (options: { outfile: string }) => Promise<{ outfile: string; bytes: number; inputs: string[] }>;

const root = resolve(__dirname, '../..');
const BUDGET_BYTES = 20 * 1024;

describe('chat client browser bundle', () => {
  let outdir: string;
  let bundle: Awaited<ReturnType<BundleChatClient>>;
  let standIn: ChatStandIn;

  beforeAll(async () => {
    outdir = await mkdtemp(join(tmpdir(), 'chat-client-bundle-'));
    const { bundleChatClient } = (await import(pathToFileURL(join(root, 'scripts', 'bundle-chat-client.mjs')).href)) as { bundleChatClient: BundleChatClient };
    bundle = await bundleChatClient({ outfile: join(outdir, 'index.mjs') });
    standIn = await startChatStandIn();
  });
  afterAll(async () => {
    await standIn?.close();
    if (outdir !== undefined) await rm(outdir, { recursive: true, force: true });
  });

  it('holds the client and eventsource-parser only, nothing of Node, within its budget', async () => {
    const inputs = bundle.inputs.map((input) => relative(root, resolve(root, input)));
    expect(inputs.filter((input) => !/^sdk\/chat-[a-z]+\.ts$/.test(input) && !input.startsWith('node_modules/eventsource-parser/'))).toEqual([]);
    const text = await readFile(bundle.outfile, 'utf8');
    expect(text.match(/\bnode:|\brequire\(|\bprocess\.|\bBuffer\b|\bglobal\./g) ?? []).toEqual([]);
    expect(bundle.bytes).toBeLessThan(BUDGET_BYTES);
  });

  it('exports createChatClient, which runs a turn and reports errors as its ChatClientError', async () => {
    const { createChatClient, ChatClientError } = (await import(pathToFileURL(bundle.outfile).href)) as ChatClientModule;
    const client = createChatClient({ endpoint: standIn.url, timeoutMs: 2_000 });
    const answer = await client.ask('from the bundle');
    expect(answer.text).toBe('You said: from the bundle');
    const events = [];
    for await (const event of client.send('again', { sessionId: answer.sessionId })) events.push(event);
    expect(events).toEqual(goldenTurn(answer.sessionId, 'again'));

    standIn.authorize(() => false);
    const error = await client.ask('refused').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatClientError);
    expect(error).toMatchObject({ name: 'ChatClientError', code: 'Unauthorized', status: 401 });
  });

  it("type-checks against a browser's globals (lib DOM, no @types/node)", () => {
    const program = ts.createProgram([join(root, 'sdk', 'chat-client.ts')], {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      types: [],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);
    // The check is real: Node's globals are not there.
    expect(program.getSourceFiles().some((file) => file.fileName.includes('@types/node'))).toBe(false);
  });
});
