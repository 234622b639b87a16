import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiForbiddenResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Principal } from '../auth/api-keys';
import { CurrentPrincipal } from '../auth/api-key.guard';
import { ErrorDto } from '../errors/error.dto';
import { AcceptsBody } from '../http/content-type.guard';
import { GatewayApi } from '../http/gateway-api.decorator';
import { PutSecretDto, RotatedKeyDto, SecretDto, SecretPageDto } from './secret.dto';
import { SecretsService } from './secrets.service';

@ApiTags('secrets')
@GatewayApi()
@Controller()
export class SecretsController {
  constructor(private readonly secrets: SecretsService) {}

  @Put('workspaces/:workspaceId/secrets/:name')
  @AcceptsBody('json')
  @ApiOperation({ summary: "Create or replace a workspace secret (its value is encrypted and never returned)" })
  @ApiBody({ type: PutSecretDto })
  @ApiCreatedResponse({ type: SecretDto, description: 'created' })
  @ApiOkResponse({ type: SecretDto, description: 'replaced' })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'a workspace this key cannot see' })
  async put(
    @CurrentPrincipal() principal: Principal,
    @Param('workspaceId') workspaceId: string,
    @Param('name') name: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ): Promise<SecretDto> {
    const { created, secret } = await this.secrets.put(principal, workspaceId, name, body);
    res.status(created ? 201 : 200);
    return secret;
  }

  @Get('workspaces/:workspaceId/secrets')
  @ApiOperation({ summary: "A workspace's secrets: names and times, never values" })
  @ApiOkResponse({ type: SecretPageDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  list(@CurrentPrincipal() principal: Principal, @Param('workspaceId') workspaceId: string): Promise<SecretPageDto> {
    return this.secrets.list(principal, workspaceId);
  }

  @Delete('workspaces/:workspaceId/secrets/:name')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a workspace secret' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorDto })
  async delete(@CurrentPrincipal() principal: Principal, @Param('workspaceId') workspaceId: string, @Param('name') name: string): Promise<void> {
    await this.secrets.delete(principal, workspaceId, name);
  }

  @Post('secrets/rotate-key')
  @HttpCode(200)
  @ApiOperation({ summary: 'Re-encrypt every workspace secret under the first key of MOCKOPS_SECRETS_KEY (admin)' })
  @ApiOkResponse({ type: RotatedKeyDto })
  @ApiForbiddenResponse({ type: ErrorDto, description: 'not an admin key' })
  rotate(@CurrentPrincipal() principal: Principal): Promise<RotatedKeyDto> {
    return this.secrets.rotate(principal);
  }
}
