import { PromotionRuleError, type PromotionFailureCode } from '@mockops/pipeline-core';
import { StoreError, type StoreErrorCode } from '../store-error';

export {
  DEFAULT_ENVIRONMENTS,
  PROMOTABLE_ENTITY_TYPES,
  PROMOTION_STATUSES,
  isPromotableEntityType,
  isPromotionStatus,
  normaliseVersion,
  type PromotableEntityType,
  type PromotionFailureCode,
  type PromotionStatus,
} from '@mockops/pipeline-core';

/**
 * A refused promotion request. Named StoreError (it is one, with code INVALID or CONFLICT) so the gateway
 * maps it like any store error; `reason` says which rule refused it (the rules are pipeline-core's).
 */
export class PromotionError extends StoreError {
  constructor(
    code: StoreErrorCode,
    readonly reason: PromotionFailureCode | 'PROMOTION_INVALID',
    message: string,
  ) {
    super(code, message);
  }
}

/** Applies a pipeline-core promotion rule, turning its refusal into the store's error. */
export function applyRule<T>(rule: () => T): T {
  try {
    return rule();
  } catch (e) {
    if (e instanceof PromotionRuleError) throw new PromotionError('INVALID', e.reason, e.message);
    throw e;
  }
}
