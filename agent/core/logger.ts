/** Fields attached to a log line (session id, request id, document id, error details...). */
export type LogFields = Record<string, unknown>;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured logger: one JSON object per line, which CloudWatch Logs indexes field by field. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. the session id of one invocation). */
  child(fields: LogFields): Logger;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function isLogLevel(value: string): value is LogLevel {
  return value in LEVELS;
}

/** Serializes errors (which JSON.stringify turns into `{}`) into name, message and cause. */
function plain(value: unknown, depth = 0): unknown {
  if (value instanceof Error) {
    return {
      name: value.name,
      message: value.message,
      ...(value.cause !== undefined && depth < 3 ? { cause: plain(value.cause, depth + 1) } : {}),
    };
  }
  return value;
}

/**
 * A JSON-lines logger writing to `write` (stdout by default: Lambda and AgentCore both ship
 * stdout to CloudWatch Logs). Lines below `level` are dropped.
 */
export function createJsonLogger(
  options: { level?: LogLevel; fields?: LogFields; write?: (line: string) => void } = {},
): Logger {
  const threshold = LEVELS[options.level ?? 'info'];
  const base = options.fields ?? {};
  const write = options.write ?? ((line: string) => void process.stdout.write(line));
  const log = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (LEVELS[level] < threshold) return;
    const entry: LogFields = { timestamp: new Date().toISOString(), level, message, ...base };
    for (const [key, value] of Object.entries(fields ?? {})) entry[key] = plain(value);
    write(`${JSON.stringify(entry)}\n`);
  };
  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    child: (fields) => createJsonLogger({ ...options, fields: { ...base, ...fields } }),
  };
}
