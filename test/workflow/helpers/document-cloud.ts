/**
 * The local stand-ins a document workflow runs against, started together: S3 that notifies as the
 * template's bucket would, a Converse endpoint answering with `respond`, an OTLP endpoint for the
 * AgentCore agent's spans, Step Functions (task tokens answered from `tokens`) and the AgentCore
 * data plane forwarding to the agents in `agentUrls`. Used by the end-to-end test and the bench.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConverseEndpoint, type ConverseEndpoint } from '../../agent/helpers/converse-endpoint.js';
import { S3RVER_CREDENTIALS } from '../../agent/helpers/local-aws.js';
import { startOtlpEndpoint, type OtlpEndpoint } from '../../agent/helpers/otlp-endpoint.js';
import { startAgentCoreDataPlane, type AgentCoreDataPlane } from '../../helpers/agentcore-data-plane.js';
import { TaskTokens } from '../../helpers/local-states.js';
import { startSfnStandIn, type SfnStandIn } from '../../helpers/sfn-stand-in.js';
import { answerTaskCallbacks } from '../../helpers/sfn-task-tokens.js';
import type { LocalCloud } from './local-app.js';
import { startNotifyingS3, type NotifyingS3 } from './s3-notifications.js';

export interface DocumentCloud {
  readonly s3: NotifyingS3;
  readonly bedrock: ConverseEndpoint;
  readonly xray: OtlpEndpoint;
  readonly sfn: SfnStandIn;
  readonly plane: AgentCoreDataPlane;
  readonly tokens: TaskTokens;
  /** What `LocalApp.deploy` and `DocumentProcessingDeployment.deploy` take. */
  readonly local: LocalCloud & { readonly s3: NotifyingS3 };
  close(): Promise<void>;
}

type Respond = Parameters<typeof startConverseEndpoint>[0];

export async function startDocumentCloud(respond: Respond, name: string): Promise<DocumentCloud> {
  const workDir = await mkdtemp(join(tmpdir(), `${name}-`));
  const tokens = new TaskTokens();
  const agentUrls = new Map<string, string>();
  const [s3, bedrock, xray, sfn, plane] = await Promise.all([
    startNotifyingS3(),
    startConverseEndpoint(respond),
    // The AgentCore agent traces (AGENT_OBSERVABILITY_ENABLED): its spans come here.
    startOtlpEndpoint(),
    startSfnStandIn(),
    startAgentCoreDataPlane({ agentUrl: (arn) => agentUrls.get(arn) }),
  ]);
  answerTaskCallbacks(sfn, tokens);
  return {
    s3, bedrock, xray, sfn, plane, tokens,
    local: { s3, bedrockUrl: bedrock.url, xrayUrl: xray.url, sfnUrl: sfn.url, workDir, credentials: S3RVER_CREDENTIALS, buckets: new Set(), agentUrls },
    async close() {
      await Promise.all([plane.close(), sfn.close(), bedrock.close(), xray.close(), s3.close()]);
      await rm(workDir, { recursive: true, force: true });
    },
  };
}
