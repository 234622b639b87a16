/**
 * The one error the generator throws for bad input. `place` names where in the document the problem is
 * (dotted path such as `paths./pets.get.responses.200`, or `file.proto:line`), so a user can fix it.
 */
export class SdkGenerationError extends Error {
  readonly code = 'SDK_GENERATION_FAILED';

  constructor(
    message: string,
    readonly place?: string,
  ) {
    super(place ? `${place}: ${message}` : message);
    this.name = 'SdkGenerationError';
  }
}
