export * from './lib/api-model';
export { SdkGenerationError } from './lib/sdk-generation.error';
export { loadApiModel, detectFormat, DEFAULT_SPEC_LIMITS, type LoadApiModelInput, type SpecFormat, type SpecLimits } from './lib/load-api-model';
export {
  generateSdks,
  emitSdks,
  clientSurface,
  SDK_LANGUAGES,
  type GenerateSdksInput,
  type GenerateSdksResult,
  type GenerateSdksSummary,
} from './lib/generate-sdks';
export type { ClientSurface, GeneratedFile, OperationSurface, SdkLanguage } from './lib/emitters/emitter';
export {
  generateSdksIsolated,
  SdkGenerationStoppedError,
  type IsolatedGenerationOptions,
  type StopReason,
} from './lib/isolated/generate-sdks-isolated';
