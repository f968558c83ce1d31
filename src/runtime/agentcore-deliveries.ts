import { ArnFormat, Lazy, Names, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as xray from 'aws-cdk-lib/aws-xray';
import { Construct } from 'constructs';

/** Delivery names: at most 60 characters, as in aws-cdk-lib's AgentCore L2. */
const MAX_DELIVERY_NAME = 60;
/** The id aws-cdk-lib's L2 uses for its log-delivery policy: runtimes built with the L2 share the same resource. */
const LOGS_POLICY_ID = 'CdkLogGroupLogsDeliveryPolicy';
const XRAY_POLICY_ID = 'AgenticAiFrameworkXRayDeliveryPolicy';
const XRAY_DESTINATION_ID = 'AgenticAiFrameworkTracesDestination';

interface StackDeliveries {
  /** The one statement letting CloudWatch Logs deliver into the agents' log groups. */
  readonly logsStatement: iam.PolicyStatement;
  readonly logsPolicy: logs.ResourcePolicy;
  /** The runtimes whose traces X-Ray accepts; the X-Ray policy and destination exist once one is added. */
  readonly tracedRuntimes: string[];
  traces?: { policy: xray.CfnResourcePolicy; destination: logs.CfnDeliveryDestination };
}

const perStack = new WeakMap<Stack, StackDeliveries>();

/**
 * What aws-cdk-lib's `loggingConfigs`/`tracingEnabled` create, with the per-stack parts created
 * once per stack: one X-Ray delivery destination and one statement in each of the two delivery
 * resource policies (which CloudWatch Logs and X-Ray cap at 5,120 characters), rather than a
 * destination and a statement per agent and log type. Application and usage logs share the
 * agent's log group, hence one CloudWatch Logs destination per agent.
 */
export function configureAgentCoreDeliveries(runtime: Construct, runtimeArn: string, logGroup: logs.ILogGroup, tracingEnabled: boolean): void {
  const shared = stackDeliveries(Stack.of(runtime));
  // The log group's ARN ends in `:*` and so covers its streams; `${logGroupArn}:log-stream:*` (what
  // aws-cdk-lib's L2 writes) matches none, and every delivery would be denied.
  shared.logsStatement.addResources(logGroup.logGroupArn);
  const logsDestination = new logs.CfnDeliveryDestination(runtime, 'ApplicationLogsDest', {
    name: uniqueName(runtime, 'ApplicationLogsDest'),
    deliveryDestinationType: 'CWL',
    destinationResourceArn: logGroup.logGroupArn,
  });
  logsDestination.node.addDependency(shared.logsPolicy);

  const deliveries: logs.CfnDelivery[] = [];
  const deliver = (logType: string, id: string, destination: logs.CfnDeliveryDestination) => {
    const source = new logs.CfnDeliverySource(runtime, `${id}DeliverySource`, {
      name: uniqueName(runtime, `${id}DeliverySource`),
      logType,
      resourceArn: runtimeArn,
    });
    const delivery = new logs.CfnDelivery(runtime, `${id}Delivery`, {
      deliverySourceName: source.ref,
      deliveryDestinationArn: destination.attrArn,
    });
    delivery.node.addDependency(source, destination);
    // One delivery at a time per runtime, as the L2 does.
    if (deliveries.length > 0) delivery.node.addDependency(deliveries[deliveries.length - 1]);
    deliveries.push(delivery);
  };
  deliver('APPLICATION_LOGS', 'ApplicationLogs', logsDestination);
  if (tracingEnabled) {
    deliver('USAGE_LOGS', 'UsageLogs', logsDestination);
    shared.tracedRuntimes.push(runtimeArn);
    deliver('TRACES', 'Traces', tracesDestination(Stack.of(runtime), shared));
  }
}

function stackDeliveries(stack: Stack): StackDeliveries {
  let shared = perStack.get(stack);
  if (!shared) {
    const logsPolicy = (stack.node.tryFindChild(LOGS_POLICY_ID) as logs.ResourcePolicy | undefined) ?? new logs.ResourcePolicy(stack, LOGS_POLICY_ID);
    const logsStatement = new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'logs', resource: '*' }) },
      },
    });
    logsPolicy.document.addStatements(logsStatement);
    shared = { logsPolicy, logsStatement, tracedRuntimes: [] };
    perStack.set(stack, shared);
  }
  return shared;
}

function tracesDestination(stack: Stack, shared: StackDeliveries): logs.CfnDeliveryDestination {
  if (!shared.traces) {
    const document = () => new iam.PolicyDocument({
      statements: [new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
        actions: ['xray:PutTraceSegments'],
        resources: ['*'],
        conditions: {
          'ForAllValues:ArnLike': { 'logs:LogGeneratingResourceArns': shared.tracedRuntimes },
          'StringEquals': { 'aws:SourceAccount': stack.account },
          'ArnLike': {
            'aws:SourceArn': stack.formatArn({ service: 'logs', resource: 'delivery-source', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
          },
        },
      })],
    });
    const policy: xray.CfnResourcePolicy = new xray.CfnResourcePolicy(stack, XRAY_POLICY_ID, {
      policyName: Lazy.string({ produce: (): string => Names.uniqueResourceName(policy, { maxLength: 128 }) }),
      policyDocument: Lazy.string({ produce: () => JSON.stringify(document().toJSON()) }),
    });
    const destination = new logs.CfnDeliveryDestination(stack, XRAY_DESTINATION_ID, {
      name: uniqueName(stack, XRAY_DESTINATION_ID),
      deliveryDestinationType: 'XRAY',
    });
    destination.node.addDependency(policy);
    shared.traces = { policy, destination };
  }
  return shared.traces.destination;
}

/** The name the L2 gives a delivery resource: unique in the account and Region, stable across synths. */
function uniqueName(scope: Construct, id: string): string {
  return Lazy.string({ produce: () => Names.uniqueResourceName(scope.node.findChild(id), { maxLength: MAX_DELIVERY_NAME }) });
}
