/**
 * The errors an `InvokeAgent` step fails with, the same whichever runtime runs the agent, so that
 * `addRetry` and `addCatch` written once keep working when the agent moves between runtimes.
 *
 * The cause of an `Agent.*` error is a JSON string `{"errorType", "errorMessage"}` (Lambda adds
 * `trace`): `States.StringToJson($.Cause).errorMessage` is the agent's own message. Step Functions'
 * own errors (`States.Timeout`, `States.HeartbeatTimeout`) and the SDK integration's have causes of
 * their own.
 */
export class AgentErrors {
  /** The agent refused the request (a 4xx answer: invalid request, document not allowed or unusable, a bad session id). Not retried. */
  public static readonly BAD_REQUEST = 'Agent.BadRequest';

  /** The agent or the service throttled (a 429 or 503 answer: Bedrock kept throttling; AgentCore throttling or a session quota). Retried by default. */
  public static readonly THROTTLED = 'Agent.Throttled';

  /** The agent ran out of time (a 504 or 408 answer: its S3 reads or its Lambda deadline ran out), or the relay's own deadline did. Not retried. */
  public static readonly TIMEOUT = 'Agent.Timeout';

  /** The agent failed (another 5xx answer: the model failed after its retries, a misconfiguration, missing permissions). Not retried. */
  public static readonly FAILED = 'Agent.Failed';

  /** The runtime could not be reached or failed transiently (an AgentCore service error, a reset connection, a cold start that failed). Retried by default. */
  public static readonly UNAVAILABLE = 'Agent.Unavailable';

  /** Every error name above. */
  public static readonly ALL = [
    AgentErrors.BAD_REQUEST, AgentErrors.THROTTLED, AgentErrors.TIMEOUT, AgentErrors.FAILED, AgentErrors.UNAVAILABLE,
  ];

  /**
   * The errors a step that waited for the agent's callback ends with when time runs out: the
   * agent's own deadline, the task's `taskTimeout` (`States.Timeout`) and, when the agent stopped
   * sending heartbeats (it died), `heartbeatTimeout` (`States.HeartbeatTimeout`).
   */
  public static readonly TIMEOUTS = [AgentErrors.TIMEOUT, 'States.Timeout', 'States.HeartbeatTimeout'];

  private constructor() {}
}
