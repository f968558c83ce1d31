/**
 * The storage Task states of a state machine served by local services through the real AWS SDK
 * clients, as Step Functions calls the services: the handlers `runStateMachine` takes as `services`.
 *
 * - `arn:<p>:states:::dynamodb:putItem|updateItem` (the optimized DynamoDB integration): the
 *   Parameters are the API's request (`TableName`, `Item`, `Key`, `UpdateExpression`...), sent as
 *   they are; a failure is `DynamoDB.<exception name>`.
 * - `arn:<p>:states:::aws-sdk:s3:putObject|copyObject|deleteObject` (AWS SDK integrations): the
 *   PascalCase Parameters are the S3 client's command input (`Bucket`, `Key`, `Body`, `CopySource`
 *   URL-encoded by the caller, as S3 requires: see copySourceForS3rver); a failure is
 *   `S3.<error name>` with the `Exception` suffix Step Functions adds where S3's name has none
 *   (`NoSuchKey` → `S3.NoSuchKeyException`).
 *
 * The result is the API's response without the SDK's `$metadata`. Every call is recorded.
 */
import { PutItemCommand, UpdateItemCommand, type DynamoDBClient, type PutItemCommandInput, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import {
  CopyObjectCommand, DeleteObjectCommand, PutObjectCommand, type CopyObjectCommandInput, type DeleteObjectCommandInput, type PutObjectCommandInput, type S3Client,
} from '@aws-sdk/client-s3';
import { HarnessError, TaskStateError, type ServiceHandler } from '../../helpers/local-states.js';

export interface StorageCall {
  readonly resource: string;
  readonly stateName: string;
  readonly parameters: Record<string, unknown>;
  /** The error name the state failed with, when it failed. */
  readonly error?: string;
}

export interface StorageIntegrations {
  /** `runStateMachine`'s `services`. */
  readonly services: Record<string, ServiceHandler>;
  readonly calls: StorageCall[];
}

type Call = (parameters: Record<string, unknown>) => Promise<Record<string, unknown>>;

interface ServiceError {
  readonly name: string;
  readonly message: string;
  readonly $metadata?: { readonly httpStatusCode?: number; readonly requestId?: string };
}

function required(stateName: string, parameters: Record<string, unknown>, ...names: string[]): void {
  const missing = names.filter((name) => typeof parameters[name] !== 'string' && typeof parameters[name] !== 'object');
  // Step Functions refuses such a definition at creation: a mistake of the state machine, not a run-time failure.
  if (missing.length > 0) throw new HarnessError(`${stateName}: Parameters lack ${missing.join(', ')}`);
}

function withoutMetadata(output: { $metadata?: unknown }): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...output };
  delete rest.$metadata;
  return rest;
}

/** `DynamoDB.ConditionalCheckFailedException`, `S3.NoSuchKeyException`...: the name a Retry or Catch matches. */
function stateError(service: 'DynamoDB' | 'S3', error: unknown): TaskStateError {
  const { name, message, $metadata } = (error instanceof Error ? error : new Error(String(error))) as ServiceError;
  const errorName = service === 'S3' && !name.endsWith('Exception') ? `${name}Exception` : name;
  const status = $metadata?.httpStatusCode ?? 'none';
  return new TaskStateError(`${service}.${errorName}`, `${message} (Service: ${service}, Status Code: ${status}, Error Code: ${name}, Request ID: ${$metadata?.requestId ?? 'none'})`);
}

/**
 * S3 reads CopySource URL-decoded, and requires it URL-encoded; s3rver reads it with `decodeURI`,
 * which leaves the escapes of reserved characters (`%2B`, `%2C`, `%26`, `%3D`...) as they are and
 * would look for another key. The source is checked as S3 requires it (printable ASCII, valid
 * escapes: a key sent unencoded fails here, `S3.InvalidArgumentException`) and passed on in the
 * form s3rver decodes to the key S3 would read.
 */
function copySourceForS3rver(source: unknown): string {
  const invalid = (why: string) => Object.assign(new Error(`Invalid copy source: ${why}`), { name: 'InvalidArgument', $metadata: { httpStatusCode: 400 } });
  if (typeof source !== 'string') throw invalid('not a string');
  if (/[^\x21-\x7e]/.test(source)) throw invalid(`${JSON.stringify(source)} is not URL-encoded`);
  try {
    return encodeURI(decodeURIComponent(source));
  } catch {
    throw invalid(`${JSON.stringify(source)} has an invalid escape`);
  }
}

/** The handlers for `partition`'s resource ARNs, calling `dynamodb` and `s3`. */
export function storageIntegrations(clients: { readonly dynamodb: DynamoDBClient; readonly s3: S3Client }, partition = 'aws'): StorageIntegrations {
  const calls: StorageCall[] = [];
  // The Parameters go to the service as the state machine wrote them: the service, not this file,
  // says whether they are a valid request.
  const dynamo: Record<string, Call> = {
    putItem: async (p) => withoutMetadata(await clients.dynamodb.send(new PutItemCommand(p as unknown as PutItemCommandInput))),
    updateItem: async (p) => withoutMetadata(await clients.dynamodb.send(new UpdateItemCommand(p as unknown as UpdateItemCommandInput))),
  };
  const s3: Record<string, Call> = {
    putObject: async (p) => withoutMetadata(await clients.s3.send(new PutObjectCommand(p as unknown as PutObjectCommandInput))),
    copyObject: async (p) => withoutMetadata(await clients.s3.send(new CopyObjectCommand({ ...(p as unknown as CopyObjectCommandInput), CopySource: copySourceForS3rver(p.CopySource) }))),
    deleteObject: async (p) => withoutMetadata(await clients.s3.send(new DeleteObjectCommand(p as unknown as DeleteObjectCommandInput))),
  };
  const requiredOf: Record<string, string[]> = {
    putItem: ['TableName', 'Item'],
    updateItem: ['TableName', 'Key'],
    putObject: ['Bucket', 'Key'],
    copyObject: ['Bucket', 'Key', 'CopySource'],
    deleteObject: ['Bucket', 'Key'],
  };

  const handler = (resource: string, service: 'DynamoDB' | 'S3', action: string, call: Call): ServiceHandler =>
    async (input, { stateName }) => {
      const parameters = (input ?? {}) as Record<string, unknown>;
      required(stateName, parameters, ...(requiredOf[action] ?? []));
      try {
        const output = await call(parameters);
        calls.push({ resource, stateName, parameters });
        return output;
      } catch (error) {
        const failure = stateError(service, error);
        calls.push({ resource, stateName, parameters, error: failure.name });
        throw failure;
      }
    };

  const services: Record<string, ServiceHandler> = {};
  for (const [action, call] of Object.entries(dynamo)) {
    const resource = `arn:${partition}:states:::dynamodb:${action}`;
    services[resource] = handler(resource, 'DynamoDB', action, call);
  }
  for (const [action, call] of Object.entries(s3)) {
    const resource = `arn:${partition}:states:::aws-sdk:s3:${action}`;
    services[resource] = handler(resource, 'S3', action, call);
  }
  return { services, calls };
}
