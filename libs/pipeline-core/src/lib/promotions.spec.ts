import { DEFAULT_ENVIRONMENTS, PromotionRuleError, checkPromotionPath, normaliseVersion, validateEnvironmentOrder } from './promotions';

const reasonOf = (fn: () => void): string | undefined => {
  try {
    fn();
  } catch (e) {
    return (e as PromotionRuleError).reason;
  }
  return undefined;
};

describe('checkPromotionPath', () => {
  it('lets the next environment through', () => {
    expect(() => checkPromotionPath(DEFAULT_ENVIRONMENTS, 'dev', 'test')).not.toThrow();
    expect(() => checkPromotionPath(DEFAULT_ENVIRONMENTS, 'test', 'prod')).not.toThrow();
  });

  it('refuses skipping an environment unless allowed, naming what is skipped', () => {
    expect(() => checkPromotionPath(DEFAULT_ENVIRONMENTS, 'dev', 'prod')).toThrow('skips "test"');
    expect(reasonOf(() => checkPromotionPath(DEFAULT_ENVIRONMENTS, 'dev', 'prod'))).toBe('PROMOTION_OUT_OF_ORDER');
    expect(() => checkPromotionPath(DEFAULT_ENVIRONMENTS, 'dev', 'prod', true)).not.toThrow();
  });

  it('refuses going backwards or staying put, even with allow_skip', () => {
    expect(reasonOf(() => checkPromotionPath(DEFAULT_ENVIRONMENTS, 'prod', 'test', true))).toBe('PROMOTION_OUT_OF_ORDER');
    expect(() => checkPromotionPath(DEFAULT_ENVIRONMENTS, 'test', 'test')).toThrow('to itself');
  });

  it('refuses environments the workspace does not have', () => {
    expect(() => checkPromotionPath(['dev', 'staging', 'prod'], 'dev', 'test')).toThrow('unknown environment "test": this workspace promotes along dev → staging → prod');
    expect(reasonOf(() => checkPromotionPath(DEFAULT_ENVIRONMENTS, 'qa', 'test'))).toBe('PROMOTION_UNKNOWN_ENVIRONMENT');
  });

  it('raises a PromotionRuleError naming the rule (the store turns it into a 400 StoreError)', () => {
    expect(() => checkPromotionPath(DEFAULT_ENVIRONMENTS, 'dev', 'prod')).toThrow(PromotionRuleError);
  });
});

describe('validateEnvironmentOrder', () => {
  it('accepts and trims a custom order', () => {
    expect(validateEnvironmentOrder([' dev', 'staging', 'prod-eu'])).toEqual(['dev', 'staging', 'prod-eu']);
  });

  it.each([
    [['dev'], 'at least two'],
    [['dev', 'dev'], 'listed twice'],
    [['dev', 'has space'], 'invalid environment name "has space"'],
    [['dev', 3], 'invalid environment name 3'],
    ['dev,test', 'must be a list'],
  ])('refuses %j', (input, message) => {
    expect(() => validateEnvironmentOrder(input)).toThrow(message);
  });
});

describe('normaliseVersion', () => {
  it('keeps versions as text', () => {
    expect(normaliseVersion(3)).toBe('3');
    expect(normaliseVersion(' 1.4.0 ')).toBe('1.4.0');
    expect(normaliseVersion('')).toBeNull();
    expect(normaliseVersion(undefined)).toBeNull();
    expect(normaliseVersion({})).toBeNull();
  });
});
