import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { describeAgents, findAgents, selectAgent } from './assembly.js';
import { CliError, messageOf, UsageError } from './errors.js';
import { invokeDeployedAgent, invokeLocal, parsePayload } from './invoke.js';
import { runLambdaRunner } from './lambda-runner.js';
import { startLocal, type Contract } from './local.js';
import { sessionIdProblem } from './session-id.js';

/** `agentic-ai-framework`: run and invoke the agents of a cloud assembly, locally or deployed. */

const TOOL = 'agentic-ai-framework';

const HELP = `Usage: ${TOOL} <command> [options]

Run and invoke the agents (BatchAgent...) of a synthesized CDK app (its cloud assembly, cdk.out).

Commands:
  local <agent>    run the agent on this machine under its runtime's contract
  invoke <agent>   send one request to the agent (--local: the one \`local\` runs) and print the answer
  list             print the agents of the cloud assembly as JSON

<agent> is the agent's construct path (/Stack/MyAgent/RuntimeLambda), a unique suffix of it
(MyAgent), or its agent name when unique.

Run \`${TOOL} <command> --help\` for a command's options.
`;

const LOCAL_HELP = `Usage: ${TOOL} local <agent> [options]

Runs the agent from the cloud assembly: its environment as synthesized (intrinsics resolved), its
prompt and tool objects served from the staged assets by a local read-only S3 endpoint, its code
from the staged code asset. The model is Amazon Bedrock with your AWS credentials and Region,
unless --model-endpoint is given. Stop it with Ctrl-C.

  AgentCore contract: the code's entrypoint serves POST /invocations and GET /ping on the port.
  Lambda contract: POST /invocations (or /2015-03-31/functions/<name>/invocations) with the event
  runs the handler, as Lambda would, in a warm sandbox process.
  Interactive agents: the chat REST API instead (POST /chat streaming, GET|DELETE /sessions), its
  functions run as above, callers authenticated by a local token issuer (POST /local/token, local
  only), sessions kept in a directory, and a chat page served from --web.

Options:
  --app <dir>              cloud assembly directory (default: cdk.out)
  --runtime <type>         lambda | agentcore: the contract to run under (default: the agent's own)
  --port <n>               port on 127.0.0.1 (default: 8080)
  --model-endpoint <url>   sets AWS_ENDPOINT_URL_BEDROCK_RUNTIME for the agent (a Bedrock stand-in)
  --env NAME=VALUE         sets or overrides an environment variable of the agent (repeatable)
  --web <dir>              interactive agents: the chat page to serve at / (default: the app's web/
                           directory, if it has an index.html)
  --session-directory <dir>
                           interactive agents: where sessions are kept (default:
                           .agentic/sessions/<agent> next to the cloud assembly)
  -h, --help               this help

Progress lines go to stderr; the agent's own log lines to stdout.
`;

const INVOKE_HELP = `Usage: ${TOOL} invoke <agent> (--payload <json> | --payload-file <file>) [options]

Sends one AgentInvocationRequest and prints the AgentInvocationResponse JSON on stdout.

Options:
  --payload <json>         the request, e.g. '{"contentType":"data","content":{"data":"..."}}'
  --payload-file <file>    the request from a file (- for stdin)
  --app <dir>              cloud assembly directory (default: cdk.out)
  --local                  invoke the agent \`${TOOL} local\` runs (<agent> may then be omitted)
  --port <n>               with --local: its port (default: 8080)
  --session-id <id>        AgentCore session id, 33-256 characters (default: a new one)
  --stream                 ask for the event stream; print each event as one JSON line as it arrives
  -h, --help               this help

Without --local the deployed agent is called with your AWS credentials.
`;

const LIST_HELP = `Usage: ${TOOL} list [--app <dir>]

Prints the agents recorded in the cloud assembly as a JSON array (construct path, agent name,
runtime, stack, code).
`;

interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

function parse(args: string[], options: ParseArgsConfig['options']): ReturnType<typeof parseArgs> {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(messageOf(error));
  }
}

function portOf(value: unknown): number {
  if (value === undefined) return 8080;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--port ${String(value)}: expected a port number, 1-65535`);
  return port;
}

function contractOf(value: unknown, fallback: Contract): Contract {
  if (value === undefined) return fallback;
  const text = String(value).toLowerCase();
  if (text === 'lambda') return 'LAMBDA';
  if (text === 'agentcore') return 'AGENTCORE';
  throw new UsageError(`--runtime ${String(value)}: expected lambda or agentcore`);
}

function envOverrides(values: unknown): Record<string, string> {
  const list = Array.isArray(values) ? values.map(String) : values === undefined ? [] : [String(values)];
  const env: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--env ${item}: expected NAME=VALUE`);
    env[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return env;
}

function oneAgent(positionals: string[], command: string): string {
  if (positionals.length === 0) throw new UsageError(`${command}: name the agent (run \`${TOOL} list\` to see them)`);
  if (positionals.length > 1) throw new UsageError(`${command}: one agent at a time, got ${positionals.join(' ')}`);
  return positionals[0]!;
}

async function local(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    app: { type: 'string' },
    runtime: { type: 'string' },
    port: { type: 'string' },
    'model-endpoint': { type: 'string' },
    env: { type: 'string', multiple: true },
    web: { type: 'string' },
    'session-directory': { type: 'string' },
  });
  if (values.help) {
    io.out(LOCAL_HELP);
    return 0;
  }
  const query = oneAgent(positionals, 'local');
  const port = portOf(values.port);
  const modelEndpoint = values['model-endpoint'] === undefined ? undefined : String(values['model-endpoint']);
  if (modelEndpoint !== undefined && !/^https?:\/\/[^/]/.test(modelEndpoint)) throw new UsageError(`--model-endpoint ${modelEndpoint}: expected an http(s) URL`);
  const overrides = envOverrides(values.env);
  const appDir = String(values.app ?? 'cdk.out');
  const record = selectAgent(findAgents(appDir), query);
  const contract = contractOf(values.runtime, record.runtimeType);
  // Signals are handled from here on, so Ctrl-C during start-up also cleans up.
  const interrupted = new AbortController();
  let running: Awaited<ReturnType<typeof startLocal>> | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted.signal.aborted) {
      // A second Ctrl-C: no more waiting. The exit hook of startLocal SIGKILLs the agent and removes its files.
      io.err(`${signal} again: killing agent ${record.agentName}`);
      process.exit(130);
    }
    io.err(`${signal}: stopping agent ${record.agentName} (again to kill it)`);
    interrupted.abort();
    void running?.stop();
  };
  // A bug must not leave the agent running: report it and exit (the exit hook cleans up).
  const onCrash = (error: unknown): void => {
    io.err(`${TOOL}: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, onSignal);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  try {
    const webDir = values.web === undefined ? undefined : String(values.web);
    const sessionDirectory = values['session-directory'] === undefined ? undefined : String(values['session-directory']);
    running = await startLocal({ appDir, record, contract, port, modelEndpoint, envOverrides: overrides, log: io.err, abort: interrupted.signal, webDir, sessionDirectory });
    if (interrupted.signal.aborted) void running.stop();
    else io.err(running.hint ?? `invoke it: ${TOOL} invoke --local --port ${port} --payload '{"contentType":"data","content":{"data":"..."}}'   (Ctrl-C stops it)`);
    const code = await running.done;
    if (interrupted.signal.aborted) io.err('stopped');
    return code;
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  }
}

function readPayload(values: Record<string, unknown>): unknown {
  const inline = values.payload;
  const file = values['payload-file'];
  if (inline !== undefined && file !== undefined) throw new UsageError('give --payload or --payload-file, not both');
  if (inline !== undefined) return parsePayload(String(inline), '--payload');
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(String(file) === '-' ? 0 : String(file), 'utf8');
    } catch (error) {
      throw new UsageError(`--payload-file ${String(file)}: ${messageOf(error)}`);
    }
    return parsePayload(text, `--payload-file ${String(file)}`);
  }
  throw new UsageError(`invoke: give the request with --payload '<json>' or --payload-file <file>`);
}

async function invoke(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    app: { type: 'string' },
    payload: { type: 'string' },
    'payload-file': { type: 'string' },
    local: { type: 'boolean' },
    port: { type: 'string' },
    'session-id': { type: 'string' },
    stream: { type: 'boolean' },
  });
  if (values.help) {
    io.out(INVOKE_HELP);
    return 0;
  }
  const payload = readPayload(values);
  const sessionId = values['session-id'] === undefined ? undefined : String(values['session-id']);
  const sessionProblem = sessionId === undefined ? undefined : sessionIdProblem(sessionId);
  if (sessionProblem !== undefined) throw new UsageError(`--session-id: ${sessionProblem}`);
  const stream = values.stream === true;
  const output = { print: io.out, log: io.err };
  if (values.local === true) {
    if (positionals.length > 1) throw new UsageError(`invoke: one agent at a time, got ${positionals.join(' ')}`);
    await invokeLocal({ port: portOf(values.port), payload, sessionId, stream }, output);
    return 0;
  }
  if (values.port !== undefined) throw new UsageError('--port is for --local');
  const agent = selectAgent(findAgents(String(values.app ?? 'cdk.out')), oneAgent(positionals, 'invoke'));
  await invokeDeployedAgent({ agent, payload, sessionId, stream }, output);
  return 0;
}

function list(args: string[], io: Io): number {
  const { values } = parse(args, { app: { type: 'string' } });
  if (values.help) {
    io.out(LIST_HELP);
    return 0;
  }
  const records = findAgents(String(values.app ?? 'cdk.out'));
  if (records.length > 0) io.err(describeAgents(records));
  io.out(JSON.stringify(records, null, 2));
  return 0;
}

/** Runs the tool with `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
        // A usage mistake: the help goes to stderr, keeping stdout for results.
        io.err(HELP);
        return 2;
      case '-h':
      case '--help':
      case 'help':
        io.out(HELP);
        return 0;
      case 'local':
        return await local(rest, io);
      case 'invoke':
        return await invoke(rest, io);
      case 'list':
        return list(rest, io);
      default:
        throw new UsageError(`unknown command ${command}; run \`${TOOL} --help\``);
    }
  } catch (error) {
    if (error instanceof CliError) {
      io.err(`${TOOL}: ${error.message}`);
      return error.exitCode;
    }
    io.err(`${TOOL}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  }
}

const [first, ...others] = process.argv.slice(2);
if (first === '__lambda-runner') {
  // Internal: the sandbox process of the Lambda contract (cli/lambda-endpoint.ts).
  await runLambdaRunner(others[0] ?? '', others[1] ?? 'handler');
} else {
  const io: Io = {
    out: (line) => process.stdout.write(line.endsWith('\n') ? line : `${line}\n`),
    err: (line) => process.stderr.write(line.endsWith('\n') ? line : `${line}\n`),
  };
  const code = await main(process.argv.slice(2), io);
  // Let stdout drain (a pipe into jq) before exiting.
  process.stdout.write('', () => process.exit(code));
}
