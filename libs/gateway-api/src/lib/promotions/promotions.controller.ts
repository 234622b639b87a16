import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { PromotionView } from '@mockops/step-auto-promote';
import type { Principal } from '../auth/api-keys';
import { CurrentPrincipal } from '../auth/api-key.guard';
import { AcceptsBody } from '../http/content-type.guard';
import { GatewayApi } from '../http/gateway-api.decorator';
import { PromotionsService, type PromotionPageView, type WorkspaceEnvironmentsView } from './promotions.service';

@ApiTags('promotions')
@GatewayApi()
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
  @AcceptsBody('json')
  @ApiOperation({ summary: 'Approve a pending promotion ({comments?, decided_by?}); 409 when already decided' })
  approve(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: unknown): Promise<PromotionView> {
    return this.promotions.approve(id, body, principal);
  }

  @Post(':id/reject')
  @HttpCode(200)
  @AcceptsBody('json')
  @ApiOperation({ summary: 'Reject a pending promotion ({comments?, decided_by?}); 409 when already decided' })
  reject(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: unknown): Promise<PromotionView> {
    return this.promotions.reject(id, body, principal);
  }
}

@ApiTags('promotions')
@GatewayApi()
@Controller('workspaces/:workspaceId/environments')
export class WorkspaceEnvironmentsController {
  constructor(private readonly promotions: PromotionsService) {}

  @Get()
  @ApiOperation({ summary: "A workspace's promotion order and which version of each entity is in each environment" })
  get(@CurrentPrincipal() principal: Principal, @Param('workspaceId') workspaceId: string): Promise<WorkspaceEnvironmentsView> {
    return this.promotions.environments(workspaceId, principal);
  }

  @Put()
  @AcceptsBody('json')
  @ApiOperation({ summary: 'Set the promotion order: {"environments": ["dev", "test", "prod"]}' })
  set(@CurrentPrincipal() principal: Principal, @Param('workspaceId') workspaceId: string, @Body() body: unknown): Promise<WorkspaceEnvironmentsView> {
    return this.promotions.setEnvironments(workspaceId, body, principal);
  }
}
