// asl-validator ships no type declarations; this is the part of its API the tests use.
declare module 'asl-validator' {
  interface AslValidatorOptions {
    /** Check the JSONPath expressions. */
    readonly checkPaths?: boolean;
    /** Check that each Task's Resource is an ARN. */
    readonly checkArn?: boolean;
  }
  interface AslValidationError {
    readonly 'Error code': string;
    readonly Message: string;
  }
  interface AslValidationResult {
    readonly isValid: boolean;
    readonly errors: readonly AslValidationError[];
    errorsText(separator?: string): string;
  }
  function validator(definition: unknown, options?: AslValidatorOptions): AslValidationResult;
  export = validator;
}
