import { UseFilters, UseGuards, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { ApiErrorFilter } from '../errors/api-error.filter';
import { ErrorDto } from '../errors/error.dto';
import { ContentTypeGuard } from './content-type.guard';
import { GatewayThrottlerGuard } from './gateway-throttler.guard';

/**
 * Marks an API controller: key check, then rate limit, then content type; errors in the one shape.
 * Applied per controller rather than app-wide so the all-in-one process's other routes stay as they are.
 */
export function GatewayApi(): ClassDecorator {
  return applyDecorators(
    UseGuards(ApiKeyGuard, GatewayThrottlerGuard, ContentTypeGuard),
    UseFilters(ApiErrorFilter),
    ApiBearerAuth('bearer'),
    ApiSecurity('api-key'),
    ApiUnauthorizedResponse({ type: ErrorDto, description: 'missing or invalid API key' }),
    ApiTooManyRequestsResponse({ type: ErrorDto, description: 'rate limited' }),
  );
}
