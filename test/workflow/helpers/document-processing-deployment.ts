/**
 * An `AgenticDocumentProcessing` app "deployed" on this machine from its synthesized template, every
 * part running the shipped code or a local stand-in of the AWS service, wired as the template wires
 * them:
 *
 *   S3 (s3rver; the template's bucket notifications) → SQS (LocalQueue: the queue's redrive policy,
 *   the event source mapping's batch size and ReportBatchItemFailures) → the consumer (the staged
 *   bundle in its own process, the template's environment) → Step Functions (the stand-in answers
 *   StartExecution; each new execution's input is run through the deployed definition by the local
 *   interpreter) → Task states: the agents (LocalApp: the Lambda agent's bundle, the relay, the
 *   AgentCore bundle as a server behind the data-plane stand-in, callbacks through the stand-in),
 *   DynamoDB (dynalite) and S3 (s3rver) through the real SDK clients (storageIntegrations).
 *
 * Executions end with their status set on the stand-in's record, so StartExecution with a used
 * name is then answered ExecutionAlreadyExists, as the service does.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { handlerModule } from '../../examples/agent-processes.js';
import { assetAt, type SynthesizedExample } from '../../examples/assembly.js';
import { runStateMachine, type LambdaFunctionConfig, type LocalExecution, type TaskTokens } from '../../helpers/local-states.js';
import { LambdaFunctions } from '../../helpers/lambda-functions.js';
import type { SfnReply, SfnStandIn } from '../../helpers/sfn-stand-in.js';
import { LambdaSandboxes } from './lambda-sandboxes.js';
import type { LocalApp, LocalCloud } from './local-app.js';
import { startLocalDynamoDb, type LocalDynamoDb } from './local-dynamodb.js';
import { LocalQueue, type Delivery } from './local-queue.js';
import type { NotifyingS3 } from './s3-notifications.js';
import { storageIntegrations, type StorageIntegrations } from './storage-integrations.js';

const CONSUMER_BUNDLE = resolve(__dirname, '..', '..', '..', 'assets', 'consumer', 'index.mjs');

/** The logical ids of the workflow's resources in the template. */
export interface WorkflowResources {
  readonly bucket: string;
  readonly table: string;
  readonly stateMachine: string;
  readonly queue: string;
  readonly consumer: string;
}

/** A StartExecution call and what the stand-in answered. */
export interface StartReply {
  readonly name: string;
  readonly status: number;
  /** The error's name (`ExecutionAlreadyExists`...), for an error answer. */
  readonly error?: string;
  readonly executionArn?: string;
}

export interface DeploymentOptions {
  readonly app: SynthesizedExample;
  /** The app's agents, already deployed (LocalApp.deploy) on `cloud`. */
  readonly agents: LocalApp;
  readonly cloud: LocalCloud & { readonly s3: NotifyingS3 };
  readonly resources: WorkflowResources;
  readonly sfn: SfnStandIn;
  readonly tokens: TaskTokens;
  /** The bound on each execution. */
  readonly executionTimeoutMs: number;
}

export class DocumentProcessingDeployment {
  public static async deploy(options: DeploymentOptions): Promise<DocumentProcessingDeployment> {
    const dynamodb = await startLocalDynamoDb(options.agents.template, options.cloud.credentials);
    let deployment: DocumentProcessingDeployment | undefined;
    try {
      deployment = new DocumentProcessingDeployment(options, dynamodb);
      return await deployment.start();
    } catch (error) {
      // Whatever was started is stopped: the table server, the consumer's process.
      await (deployment?.close() ?? dynamodb.close());
      throw error;
    }
  }

  public readonly bucket: string;
  public readonly tableName: string;
  public readonly stateMachineArn: string;
  public readonly queue: LocalQueue;
  public readonly storage: StorageIntegrations;
  /** Every StartExecution answered, in order. */
  public readonly startReplies: StartReply[] = [];
  /** The local run of each execution the stand-in started, by execution ARN. */
  public readonly runs = new Map<string, Promise<LocalExecution>>();
  /** Answers for the next StartExecution calls, one each, instead of the stand-in's (faults). */
  public readonly nextStarts: SfnReply[] = [];
  private consumerPool: LambdaSandboxes | undefined;
  private consumerFunctions: LambdaFunctions | undefined;
  private consumerArn = '';

  private constructor(private readonly options: DeploymentOptions, public readonly dynamodb: LocalDynamoDb) {
    const { agents, resources } = options;
    this.bucket = agents.template.resolveString({ Ref: resources.bucket });
    this.tableName = agents.template.resolveString({ Ref: resources.table });
    this.stateMachineArn = agents.arnOf(resources.stateMachine);
    this.queue = new LocalQueue(queueSettings(options));
    this.storage = storageIntegrations({ dynamodb: dynamodb.client, s3: options.cloud.s3.client }, agents.template.partition);
  }

  /** The consumer's log lines (its process's stdout and stderr). */
  public get consumerLogs(): readonly string[] {
    return this.consumerPool?.logs ?? [];
  }

  /** Delivers what the queue holds to the consumer until it is empty (failing messages end in the dead-letter queue). */
  public deliverAll(): Promise<Delivery[]> {
    return this.queue.drain(this.consume);
  }

  /** The local run of an execution the consumer started. */
  public run(executionArn: string): Promise<LocalExecution> {
    const run = this.runs.get(executionArn);
    if (run === undefined) throw new Error(`no execution ${executionArn}; started: ${[...this.runs.keys()].join(', ') || 'none'}`);
    return run;
  }

  public async close(): Promise<void> {
    this.options.sfn.answer('StartExecution', undefined);
    await Promise.allSettled(this.runs.values());
    await Promise.all([this.consumerPool?.close(), this.dynamodb.close()]);
  }

  /** The event source mapping's synchronous invocation of the consumer; a function error is thrown. */
  private readonly consume = async (event: unknown): Promise<{ batchItemFailures?: Array<{ itemIdentifier?: string }> }> => {
    const outcome = await this.consumerFunctions!.invoke(this.consumerArn, event);
    if (!outcome.ok) throw Object.assign(new Error(outcome.error.errorMessage), { name: outcome.error.errorType });
    return outcome.payload as { batchItemFailures?: Array<{ itemIdentifier?: string }> };
  };

  private async start(): Promise<this> {
    const { cloud, sfn } = this.options;
    if (!cloud.buckets.has(this.bucket)) {
      await cloud.s3.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
      cloud.buckets.add(this.bucket);
    }
    cloud.s3.configure(this.options.agents.template, (queueArn, body) => {
      if (queueArn !== this.queue.settings.queueArn) throw new Error(`the bucket notifies ${queueArn}, which is not the workflow's queue`);
      this.queue.send(body);
    });
    sfn.answer('StartExecution', async (call) => this.startExecution(this.nextStarts.shift() ?? (await sfn.answerByDefault(call)), call.input));
    await this.deployConsumer();
    return this;
  }

  /** Records the answer and, for a new execution, runs it. */
  private startExecution(reply: SfnReply, input: Record<string, unknown>): SfnReply {
    const body = reply.body as { executionArn?: string; __type?: string };
    const name = String(input.name);
    this.startReplies.push({
      name,
      status: reply.status,
      ...(body.__type === undefined ? {} : { error: body.__type.split('#').pop() }),
      ...(body.executionArn === undefined ? {} : { executionArn: body.executionArn }),
    });
    const execution = body.executionArn === undefined ? undefined : this.options.sfn.executions.get(body.executionArn);
    if (execution !== undefined && !this.runs.has(execution.executionArn)) {
      const { agents, tokens } = this.options;
      const run = runStateMachine(agents.definition(this.options.resources.stateMachine), JSON.parse(execution.input), {
        handlers: agents.functions,
        services: this.storage.services,
        tokens,
        stateMachineArn: execution.stateMachineArn,
        executionName: execution.name,
        timeoutMs: this.options.executionTimeoutMs,
      });
      this.runs.set(execution.executionArn, run);
      run.then(
        (ended) => (execution.status = ended.status),
        () => (execution.status = 'ABORTED'),
      );
    }
    return reply;
  }

  /** The consumer function from its staged code (which must be the shipped bundle) with the template's environment. */
  private async deployConsumer(): Promise<void> {
    const { agents, app, cloud, resources } = this.options;
    const props = agents.template.properties(resources.consumer) as unknown as {
      Code: { S3Bucket: string; S3Key: string };
      Handler: string;
      Runtime: string;
      Timeout?: number;
      MemorySize?: number;
      Environment?: { Variables?: Record<string, string> };
    };
    const codeDir = assetAt(app, props.Code.S3Bucket, props.Code.S3Key).sourcePath;
    const { file, exportName } = handlerModule(codeDir, props.Handler);
    const [staged, shipped] = await Promise.all([readFile(file), readFile(CONSUMER_BUNDLE)]);
    if (!staged.equals(shipped)) throw new Error(`${resources.consumer}: its staged handler ${file} is not ${CONSUMER_BUNDLE}`);
    const variables = props.Environment?.Variables ?? {};
    const tmp = join(cloud.workDir, `tmp-${randomUUID()}`);
    await mkdir(tmp);
    const functionName = agents.template.resolveString({ Ref: resources.consumer });
    const added: Record<string, string> = {
      TMPDIR: tmp,
      AWS_REGION: app.target.region,
      AWS_DEFAULT_REGION: app.target.region,
      AWS_ACCESS_KEY_ID: cloud.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: cloud.credentials.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL_SFN: cloud.sfnUrl,
      AWS_LAMBDA_FUNCTION_NAME: functionName,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(props.MemorySize ?? 128),
      AWS_EXECUTION_ENV: `AWS_Lambda_${props.Runtime}`,
      LAMBDA_TASK_ROOT: codeDir,
      _HANDLER: props.Handler,
    };
    const overlap = Object.keys(added).filter((name) => name in variables);
    if (overlap.length > 0) throw new Error(`the template sets ${overlap.join(', ')}, which the runtime (or this test) provides`);
    this.consumerPool = new LambdaSandboxes({ codeDir, file, exportName, env: { ...variables, ...added } });
    this.consumerPool.warm();
    this.consumerArn = agents.arnOf(resources.consumer);
    const config: LambdaFunctionConfig = { handler: this.consumerPool.handler, timeoutSeconds: props.Timeout ?? 3, memorySize: props.MemorySize ?? 128 };
    this.consumerFunctions = new LambdaFunctions({ [this.consumerArn]: config });
  }
}

/** The queue as deployed: its ARN, its redrive policy, and the batch size of the mapping that feeds the consumer. */
function queueSettings({ agents, resources }: DeploymentOptions): ConstructorParameters<typeof LocalQueue>[0] {
  const template = agents.template;
  const queueArn = agents.arnOf(resources.queue);
  const queue = template.properties(resources.queue) as { RedrivePolicy?: { maxReceiveCount?: number; deadLetterTargetArn?: string } };
  const maxReceiveCount = queue.RedrivePolicy?.maxReceiveCount;
  if (maxReceiveCount === undefined) throw new Error(`${resources.queue} has no redrive policy`);
  const consumerArn = agents.arnOf(resources.consumer);
  const consumerName = template.resolveString({ Ref: resources.consumer });
  const mappings = template.logicalIdsOfType('AWS::Lambda::EventSourceMapping')
    .map((id) => template.properties(id) as { EventSourceArn?: string; FunctionName?: string; BatchSize?: number; FunctionResponseTypes?: string[] })
    .filter((m) => m.EventSourceArn === queueArn && (m.FunctionName === consumerName || m.FunctionName === consumerArn));
  if (mappings.length !== 1) throw new Error(`expected one event source mapping from ${queueArn} to the consumer, found ${mappings.length}`);
  const mapping = mappings[0]!;
  // Without it Lambda would keep or delete whole batches, which LocalQueue does not emulate.
  if (!(mapping.FunctionResponseTypes ?? []).includes('ReportBatchItemFailures')) throw new Error('the event source mapping does not report batch item failures');
  return { queueArn, region: template.region, maxReceiveCount, batchSize: mapping.BatchSize ?? 10 };
}
