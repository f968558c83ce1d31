/**
 * A DynamoDB-compatible server in this process (dynalite: in memory, no Java, no Docker) on
 * 127.0.0.1, with the tables of a synthesized template created under the names CloudFormation
 * would give them, and the real `@aws-sdk/client-dynamodb` pointed at it.
 *
 * Only what the items depend on is taken from the template: key schema, attribute definitions and
 * billing mode. Encryption (SSESpecification) and point-in-time recovery change nothing an item
 * read or write sees, and dynalite keeps no keys.
 */
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ResolvedTemplate } from '../../helpers/cfn-resolve.js';

// dynalite ships no type declarations: its factory returns a node:http server.
const dynalite = createRequire(__filename)('dynalite') as (options: Record<string, unknown>) => Server;

export interface LocalDynamoDb {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  /** Table names by the template's logical id. */
  readonly tables: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

type TableProperties = Pick<CreateTableCommandInput, 'KeySchema' | 'AttributeDefinitions' | 'BillingMode' | 'ProvisionedThroughput'>;

/** Starts dynalite and creates every `AWS::DynamoDB::Table` of `template`, ACTIVE before it resolves. */
export async function startLocalDynamoDb(template: ResolvedTemplate, credentials: { accessKeyId: string; secretAccessKey: string }): Promise<LocalDynamoDb> {
  // No delays: a table is ACTIVE as soon as it is created.
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ region: template.region, endpoint, credentials, maxAttempts: 1 });
  const close = async (): Promise<void> => {
    client.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  try {
    const tables: Record<string, string> = {};
    for (const logicalId of template.logicalIdsOfType('AWS::DynamoDB::Table')) {
      const props = template.properties(logicalId) as unknown as TableProperties;
      const name = template.resolveString({ Ref: logicalId });
      await client.send(new CreateTableCommand({
        TableName: name,
        KeySchema: props.KeySchema,
        AttributeDefinitions: props.AttributeDefinitions,
        BillingMode: props.BillingMode,
        ...(props.ProvisionedThroughput === undefined ? {} : { ProvisionedThroughput: props.ProvisionedThroughput }),
      }));
      await untilActive(client, name);
      tables[logicalId] = name;
    }
    return { endpoint, client, tables, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function untilActive(client: DynamoDBClient, name: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`table ${name} did not become ACTIVE within 500 ms`);
}
