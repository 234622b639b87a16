/**
 * Where the libraries write what they have to say; Nest's Logger fits, tests pass a quiet one. The
 * one logger interface of the code base: every lib takes this, none makes its own.
 */
export interface LogSink {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}
