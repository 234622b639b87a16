import { ENTITY_TYPES, type EntityType } from './step-types/auto-promote';

export const PROMOTION_STATUSES = ['pending', 'approved', 'rejected', 'completed', 'failed'] as const;
export type PromotionStatus = (typeof PROMOTION_STATUSES)[number];

/** What auto_promote promotes: the entity types of its step-type schema. */
export const PROMOTABLE_ENTITY_TYPES = ENTITY_TYPES;
export type PromotableEntityType = EntityType;

/** A workspace that never set its order promotes along this one. */
export const DEFAULT_ENVIRONMENTS: readonly string[] = ['dev', 'test', 'prod'];
export const MAX_ENVIRONMENTS = 20;
export const ENVIRONMENT_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** Why a promotion was refused or failed; stored as the promotion's `error_code` and used as the step's error code. */
export type PromotionFailureCode =
  | 'PROMOTION_ENTITY_MISSING'
  | 'PROMOTION_OUT_OF_ORDER'
  | 'PROMOTION_UNKNOWN_ENVIRONMENT'
  | 'PROMOTION_VERSION_MISMATCH';

/** A promotion the rules refuse; `reason` says which rule (the store records it as the promotion's error code). */
export class PromotionRuleError extends Error {
  constructor(
    readonly reason: PromotionFailureCode | 'PROMOTION_INVALID',
    message: string,
  ) {
    super(message);
    this.name = 'PromotionRuleError';
  }
}

/**
 * The promotion domain's rules (auto_promote): pure, so the store applies them inside its transactions
 * and every other layer can read them.
 */

/** Checks a new environment order: at least two distinct, well-formed names. Returns the names trimmed. */
export function validateEnvironmentOrder(input: unknown): string[] {
  if (!Array.isArray(input)) throw new PromotionRuleError('PROMOTION_INVALID', 'environments must be a list of names');
  const names = input.map((n) => (typeof n === 'string' ? n.trim() : n));
  const bad = names.filter((n) => typeof n !== 'string' || !ENVIRONMENT_NAME_RE.test(n));
  if (bad.length) {
    throw new PromotionRuleError('PROMOTION_INVALID',
      `invalid environment name ${bad.map((b) => JSON.stringify(b)).join(', ')}: use letters, digits, ".", "_" or "-" (at most 63)`,
    );
  }
  if (names.length < 2) throw new PromotionRuleError('PROMOTION_INVALID', 'a promotion order needs at least two environments');
  if (names.length > MAX_ENVIRONMENTS) throw new PromotionRuleError('PROMOTION_INVALID', `at most ${MAX_ENVIRONMENTS} environments`);
  const seen = new Set<string>();
  for (const n of names as string[]) {
    if (seen.has(n)) throw new PromotionRuleError('PROMOTION_INVALID', `environment "${n}" is listed twice`);
    seen.add(n);
  }
  return names as string[];
}

/**
 * A promotion goes forward along the workspace's order, one environment at a time; skipping ahead
 * (dev → prod) needs `allowSkip`. Going backwards is never a promotion.
 */
export function checkPromotionPath(order: readonly string[], from: string, to: string, allowSkip = false): void {
  const path = order.join(' → ');
  const fromAt = order.indexOf(from);
  const toAt = order.indexOf(to);
  for (const [name, at] of [
    [from, fromAt],
    [to, toAt],
  ] as const) {
    if (at === -1) {
      throw new PromotionRuleError('PROMOTION_UNKNOWN_ENVIRONMENT', `unknown environment "${name}": this workspace promotes along ${path}`);
    }
  }
  if (toAt <= fromAt) {
    throw new PromotionRuleError('PROMOTION_OUT_OF_ORDER',
      from === to
        ? `cannot promote from "${from}" to itself`
        : `cannot promote backwards from "${from}" to "${to}": this workspace promotes along ${path}`,
    );
  }
  if (toAt > fromAt + 1 && !allowSkip) {
    const skipped = order.slice(fromAt + 1, toAt).map((e) => `"${e}"`).join(', ');
    throw new PromotionRuleError('PROMOTION_OUT_OF_ORDER',
      `promoting from "${from}" to "${to}" skips ${skipped} (order ${path}); set allow_skip: true to allow it`,
    );
  }
}

export function isPromotableEntityType(value: unknown): value is PromotableEntityType {
  return (PROMOTABLE_ENTITY_TYPES as readonly unknown[]).includes(value);
}

export function isPromotionStatus(value: unknown): value is PromotionStatus {
  return (PROMOTION_STATUSES as readonly unknown[]).includes(value);
}

/** Versions are stored as text: producers send `3` or `"3"` or `"1.4.0"` for the same idea. */
export function normaliseVersion(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  return null;
}
