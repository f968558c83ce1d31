// The TaskReporter on the AWS SDK. Only the client and the three SendTask* commands are imported,
// so the bundle carries no other Step Functions operation.
import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  type SFNClientConfig,
} from '@aws-sdk/client-sfn';
import type { TaskReporter } from './callback.js';

/**
 * A reporter whose client is created on its first report, so an agent never called in callback
 * mode never builds it. The default configuration takes the Region and credentials from the
 * environment (`AWS_ENDPOINT_URL_SFN` points it elsewhere) and keeps the SDK's retries.
 */
export function createSfnTaskReporter(config: SFNClientConfig = {}): TaskReporter {
  let client: SFNClient | undefined;
  const sfn = (): SFNClient => (client ??= new SFNClient(config));
  return {
    async sendSuccess(taskToken, output) {
      await sfn().send(new SendTaskSuccessCommand({ taskToken, output }));
    },
    async sendFailure(taskToken, error, cause) {
      await sfn().send(new SendTaskFailureCommand({ taskToken, error, cause }));
    },
    async sendHeartbeat(taskToken) {
      await sfn().send(new SendTaskHeartbeatCommand({ taskToken }));
    },
  };
}

/** The container's reporter: one client for every invocation while the container is warm. */
export const containerTaskReporter: TaskReporter = createSfnTaskReporter();
