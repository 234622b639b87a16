import type { HandlerProvider } from '@mockops/runtime';
import { notifyHandler } from '@mockops/step-notify';
import { createPrHandler } from '@mockops/step-create-pr';
import { autoPromoteHandlerFactory } from '@mockops/step-auto-promote';
import { regenerateSdkHandlerFactory } from '@mockops/step-regenerate-sdk';

/** Every step type's handler, for the one-process mode. */
export const ALL_STEP_HANDLERS: HandlerProvider[] = [notifyHandler, createPrHandler, autoPromoteHandlerFactory, regenerateSdkHandlerFactory];
