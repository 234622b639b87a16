import { ValidationError, ValidationPipe } from '@nestjs/common';
import { ErrorDetail, GatewayError } from '../errors/gateway-error';

function flatten(errors: ValidationError[], prefix = ''): ErrorDetail[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ path, message }));
    return [...own, ...flatten(e.children ?? [], path)];
  });
}

/** Validates and converts query strings with class-validator DTOs; unknown parameters are refused. */
export const queryPipe = new ValidationPipe({
  transform: true,
  whitelist: true,
  forbidNonWhitelisted: true,
  exceptionFactory: (errors) => {
    const details = flatten(errors);
    return new GatewayError('VALIDATION_FAILED', `invalid query: ${details.map((d) => d.message).join('; ')}`, details);
  },
});
