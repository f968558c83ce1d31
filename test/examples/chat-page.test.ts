import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from 'aws-cdk-lib';
import { InteractiveAgentStack } from '../../examples/interactive-agent/stack.js';
import { AgentRuntimeType } from '../../src/index.js';
import { TEST_ENV } from '../helpers/test-app.js';
import type { RunningCli } from '../cli/cli-process.js';
import { localToken, offlineEnv, startChatCli } from '../cli/local-chat-app.js';
import { startChatModel, type ChatModel } from '../cli/local-chat-model.js';

/**
 * The example's chat page (examples/interactive-agent/web/index.html) in a real browser (Debian's
 * Chromium, driven by playwright-core) against the example's agent on Lambda (its stack synthesized
 * here) run by `agentic-ai-framework local`, with a model stand-in that answers word by word: sign in with a locally issued token, two
 * messages, the answer seen growing while it streams, the second answer using the first turn's
 * context, and after a reload the history read back from the Sessions API.
 */

const CHROMIUM = '/usr/bin/chromium';
const WEB = resolve(import.meta.dirname, '..', '..', 'examples', 'interactive-agent', 'web');
const SCREENSHOT = resolve(import.meta.dirname, '..', '..', 'test-artifacts', 'chat-page.png');
/** Every wait in the page is bounded by this. */
const WAIT_MS = 10_000;

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  // CI installs it (.ci/run); a machine without it skips, saying why.
  process.stderr.write(`chat-page.test.ts: skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)\n`);
}

let work: string;
let model: ChatModel;
let cli: RunningCli;
let browser: BrowserContext;
let base: string;

beforeAll(async () => {
  if (!hasChromium) return;
  work = await mkdtemp(join(tmpdir(), 'chat-page-'));
  const appDir = join(work, 'cdk.out');
  const app = new App({ outdir: appDir });
  new InteractiveAgentStack(app, 'ChatOnLambda', { env: TEST_ENV, runtimeType: AgentRuntimeType.LAMBDA, allowedOrigin: 'http://localhost:8080' });
  app.synth();
  model = await startChatModel(60);
  [cli, browser] = await Promise.all([
    startChatCli(appDir, offlineEnv(work), model.url, { agent: 'ChatOnLambda/Assistant', args: ['--web', WEB, '--session-directory', join(work, 'sessions')] }),
    chromium.launchPersistentContext(join(work, 'browser-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      timeout: WAIT_MS,
    }),
  ]);
  base = `http://127.0.0.1:${cli.port}`;
}, 60_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await cli?.stop();
  await model?.close();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

/** The page's globals the test reads (the test's own types have no DOM). */
interface PageGlobals {
  seen: string[];
  readonly document: {
    querySelectorAll(selector: string): ArrayLike<{ readonly textContent: string | null }>;
    getElementById(id: string): unknown;
  };
  readonly MutationObserver: new (callback: () => void) => { observe(target: unknown, options: Record<string, boolean>): void };
}

/** Sends a message from the page and waits (bounded) for the turn to end; returns the answer's text as it grew. */
async function send(page: Page, message: string): Promise<{ answer: string; seen: string[] }> {
  await page.evaluate(() => {
    const w = globalThis as unknown as PageGlobals;
    w.seen = [];
    // Every state of the newest answer while it streams.
    new w.MutationObserver(() => {
      const answers = w.document.querySelectorAll('.message.assistant');
      const last = answers[answers.length - 1];
      if (last !== undefined && w.seen.at(-1) !== last.textContent) w.seen.push(last.textContent ?? '');
    }).observe(w.document.getElementById('messages'), { subtree: true, childList: true, characterData: true });
  });
  await page.fill('#message', message);
  await page.press('#message', 'Enter');
  await page.waitForSelector('body[data-state="streaming"]', { timeout: WAIT_MS });
  await page.waitForSelector('body[data-state="idle"]', { timeout: WAIT_MS });
  const answer = await page.locator('.message.assistant').last().textContent({ timeout: WAIT_MS });
  const seen = await page.evaluate(() => (globalThis as unknown as PageGlobals).seen);
  return { answer: answer ?? '', seen };
}

describe.skipIf(!hasChromium)('the example chat page, in Chromium, against `local`', () => {
  it('signs in with a local token, streams two answers with context, and shows the history after a reload', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(WAIT_MS);
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });

    await page.goto(`${base}/`);
    await page.waitForSelector('body[data-state="signed-out"]');
    await page.fill('#token', await localToken(base, 'alice'));
    await page.click('#sign-in-button');
    await page.waitForSelector('body[data-state="idle"]');
    expect(await page.textContent('#who')).toBe('alice');

    const first = await send(page, 'My name is Ada.');
    expect(first.answer).toBe('Nice to meet you, Ada.');
    // It grew in front of the user: several partial answers, each a beginning of the final one.
    const partial = first.seen.filter((text) => text !== '' && text !== first.answer);
    expect(partial.length).toBeGreaterThanOrEqual(2);
    for (const text of partial) expect(first.answer.startsWith(text)).toBe(true);

    const second = await send(page, 'What is my name?');
    expect(second.answer).toBe('Your name is Ada.');
    const sessionId = /#session=([A-Za-z0-9_-]+)$/.exec(page.url())?.[1];
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    await page.waitForSelector('#session-list li.active');
    expect(await page.locator('#session-list li .session-open').allTextContents()).toEqual(['My name is Ada.']);

    await page.reload();
    await page.waitForSelector('.message.assistant >> nth=1');
    expect(page.url()).toBe(`${base}/#session=${sessionId}`);
    const history = await page.locator('#messages .message').evaluateAll((elements) => elements.map((e) => `${e.classList.contains('user') ? 'user' : 'assistant'}: ${e.textContent}`));
    expect(history).toEqual(['user: My name is Ada.', 'assistant: Nice to meet you, Ada.', 'user: What is my name?', 'assistant: Your name is Ada.']);

    await mkdir(resolve(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true, timeout: WAIT_MS });
    expect(problems).toEqual([]);
    await page.close();
  }, 30_000);
});
