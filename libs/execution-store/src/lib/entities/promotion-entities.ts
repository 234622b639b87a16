import { EntityVersionEntity } from './entity-version.entity';
import { PromotionEnvironmentsEntity } from './promotion-environments.entity';
import { PromotionEntity } from './promotion.entity';

export { EntityVersionEntity, PromotionEnvironmentsEntity, PromotionEntity };
/** The promotion model's tables (registered in STORE_ENTITIES). */
export const PROMOTION_ENTITIES = [PromotionEnvironmentsEntity, EntityVersionEntity, PromotionEntity];
