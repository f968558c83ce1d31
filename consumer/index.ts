// The document consumer's Lambda entry point (handler `index.handler`, bundled to
// assets/consumer/index.mjs): an SQS event source with reportBatchItemFailures, the queue fed by
// the bucket's raw/ notifications. STATE_MACHINE_ARN is read once, when Lambda loads the function.
import { createConsumerHandler } from './handler.js';

export const handler = createConsumerHandler({ stateMachineArn: process.env.STATE_MACHINE_ARN });
