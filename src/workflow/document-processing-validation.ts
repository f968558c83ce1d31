import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { AgenticDocumentProcessingProps } from './document-processing';
import { requireAgent } from './require-agent';
import { InvalidRuntimeConfigError } from '../runtime/errors';
import { describeValue, optionalDuration, optionalObject, requireObject } from '../runtime/input-checks';
import { AgentRuntimeType } from '../runtime/runtime-type';

function optionalFunction(field: string, value: unknown): void {
  if (value !== undefined && !(typeof value === 'object' && value !== null && typeof (value as lambda.IFunction).functionArn === 'string')) {
    throw new InvalidRuntimeConfigError(AgentRuntimeType.LAMBDA, `${field} is ${describeValue(value)}; allowed: a Lambda function (lambda.IFunction)`, field);
  }
}

export function validateDocumentProcessingProps(props: AgenticDocumentProcessingProps): void {
  const type = AgentRuntimeType.LAMBDA;
  requireObject(type, 'props', props, 'an AgenticDocumentProcessingProps object');
  requireAgent('processingAgent', props.processingAgent);
  if (props.classificationAgent !== undefined) requireAgent('classificationAgent', props.classificationAgent);
  for (const step of ['processingStep', 'classificationStep'] as const) {
    optionalObject(type, step, props[step], 'an AgentStepOptions object');
    if (props[step]?.agentCoreInvocation?.direct === true) {
      // The workflow's requests are objects and its classification step selects the result.
      throw new InvalidRuntimeConfigError(AgentRuntimeType.AGENTCORE,
        `${step}.agentCoreInvocation is AgentCoreInvocation.sdkIntegration(); the workflow's steps send an object request and read { result, metadata }, which only the relay gives. Allowed: AgentCoreInvocation.relay() (the default)`,
        `${step}.agentCoreInvocation`);
    }
  }
  optionalFunction('enrichment', props.enrichment);
  optionalFunction('postProcessing', props.postProcessing);
  if (props.bucket !== undefined && !(typeof props.bucket === 'object' && props.bucket !== null && typeof (props.bucket as s3.IBucket).arnForObjects === 'function')) {
    throw new InvalidRuntimeConfigError(type, `bucket is ${describeValue(props.bucket)}; allowed: an s3.IBucket`, 'bucket');
  }
  optionalDuration(type, 'workflowTimeout', props.workflowTimeout);
  optionalObject(type, 'encryptionKey', props.encryptionKey, 'a kms.IKey');
}
