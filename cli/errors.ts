/**
 * An error the command-line tool reports as one message on stderr, exiting with `exitCode`:
 * 1 for a failure, 2 for a usage mistake (bad flag, bad payload).
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 1,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

/** A usage mistake: a missing or bad argument. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
