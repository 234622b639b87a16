import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, UseFilters, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorFilter, ApiKeyGuard, CurrentPrincipal, SharedRateLimitGuard, type Principal } from '@mockops/gateway-api';
import type { PromotionView } from '../promotion-payloads';
import { PromotionsService, type PromotionPageView, type WorkspaceEnvironmentsView } from './promotions.service';

@ApiTags('promotions')
@UseGuards(ApiKeyGuard, SharedRateLimitGuard)
@UseFilters(ApiErrorFilter)
@Controller('promotions')
export class PromotionsController {
  constructor(private readonly promotions: PromotionsService) {}

  @Get()
  @ApiOperation({ summary: 'Promotions, newest first: ?workspace_id=&status=&entity_type=&entity_id=&execution_id=&limit=&cursor=' })
  list(@CurrentPrincipal() principal: Principal, @Query() query: Record<string, unknown>): Promise<PromotionPageView> {
    return this.promotions.list(query, principal);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One promotion' })
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<PromotionView> {
    return this.promotions.get(id, principal);
  }

  @Post(':id/approve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve a pending promotion ({comments?, decided_by?}); 409 when already decided' })
  approve(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: unknown): Promise<PromotionView> {
    return this.promotions.approve(id, body, principal);
  }

  @Post(':id/reject')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reject a pending promotion ({comments?, decided_by?}); 409 when already decided' })
  reject(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: unknown): Promise<PromotionView> {
    return this.promotions.reject(id, body, principal);
  }
}

@ApiTags('promotions')
@UseGuards(ApiKeyGuard, SharedRateLimitGuard)
@UseFilters(ApiErrorFilter)
@Controller('workspaces/:workspaceId/environments')
export class WorkspaceEnvironmentsController {
  constructor(private readonly promotions: PromotionsService) {}

  @Get()
  @ApiOperation({ summary: "A workspace's promotion order and which version of each entity is in each environment" })
  get(@CurrentPrincipal() principal: Principal, @Param('workspaceId') workspaceId: string): Promise<WorkspaceEnvironmentsView> {
    return this.promotions.environments(workspaceId, principal);
  }

  @Put()
  @ApiOperation({ summary: 'Set the promotion order: {"environments": ["dev", "test", "prod"]}' })
  set(@CurrentPrincipal() principal: Principal, @Param('workspaceId') workspaceId: string, @Body() body: unknown): Promise<WorkspaceEnvironmentsView> {
    return this.promotions.setEnvironments(workspaceId, body, principal);
  }
}
