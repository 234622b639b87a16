import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { EgressAllowList, EgressResolver } from '@mockops/egress';
import type { GeneratedFile, GenerateSdksResult } from '@mockops/sdk-generator';
import { PermanentStepError, TransientStepError, type StepHandler, type StepResult, type StepRunContext } from '@mockops/worker-kit';
import { normalizeRegenerateSdkConfig, type RegenerateSdkStepConfig } from './regenerate-sdk.config';
import { ARCHIVE_MEDIA_TYPE, packTarGz } from './sdk-archive';
import { loadSpec, MAX_SPEC_BYTES } from './spec-source';

/** Name of the execution artifact holding the archive; part of the download URL. */
export const SDK_ARTIFACT_NAME = 'sdks';

/**
 * Caps on the `files` output. It is stored with the step run and rendered into later steps' configs,
 * so a huge SDK is listed partially (`files_truncated: true`); the artifact always holds all of it.
 */
export const DEFAULT_FILES_OUTPUT_LIMITS = { maxFiles: 500, maxBytes: 5 * 1024 * 1024 };

export interface RegenerateSdkHandlerOptions {
  /** MOCKOPS_SPEC_ROOT: spec files are read only from inside it. */
  specRoot: string;
  /** MOCKOPS_ARTIFACTS_DIR: SDKs are written under `<dir>/<execution>/<step>/<output_dir>/`. */
  artifactsDir: string;
  /** Where the archive is stored (the store's ArtifactStore fits). */
  artifacts: ArtifactSink;
  /** MOCKOPS_EGRESS_ALLOW: private hosts a spec URL may reach. */
  egressAllow?: EgressAllowList | string;
  resolver?: EgressResolver;
  maxSpecBytes?: number;
  filesOutputLimits?: { maxFiles: number; maxBytes: number };
  /** Prefix of the artifact URL in the outputs (the gateway's). */
  apiBasePath?: string;
  /**
   * Limits of one generation, which runs on a worker thread of its own so that a hostile or huge spec
   * cannot block the worker's event loop (leases, other jobs) or take its heap: past the heap cap or
   * the time budget the thread is terminated and the step fails for good.
   */
  generation?: { maxHeapMb?: number; timeoutMs?: number };
}

/** The port the step stores its archive through (one artifact per execution and name; a re-run replaces it). */
export interface ArtifactSink {
  put(input: { executionId: string; stepName: string; name: string; mediaType: string; content: Buffer }): Promise<{ name: string; mediaType: string; size: number; sha256: string }>;
}

export interface SdkFileOutput {
  /** Repository-relative: `<output_dir>/<language>/...`. */
  path: string;
  content: string;
}

/**
 * The regenerate_sdk step: reads the spec (inline, file under the spec root, or URL through the SSRF
 * guard), generates the SDKs, writes them under the artifacts folder, stores a .tar.gz of them as the
 * execution's `sdks` artifact and outputs the files so a following create_pr step can commit them.
 */
export function createRegenerateSdkHandler(options: RegenerateSdkHandlerOptions): StepHandler<RegenerateSdkStepConfig> {
  const limits = options.filesOutputLimits ?? DEFAULT_FILES_OUTPUT_LIMITS;
  const apiBase = (options.apiBasePath ?? '/api/v1').replace(/\/+$/, '');
  return {
    stepType: 'regenerate_sdk',
    async run(ctx: StepRunContext<RegenerateSdkStepConfig>): Promise<StepResult> {
      const config = normalizeRegenerateSdkConfig(ctx.config, (ctx.event.payload ?? {}) as Record<string, unknown>);
      const spec = await loadSpec(config.spec, {
        specRoot: options.specRoot,
        egressAllow: options.egressAllow,
        resolver: options.resolver,
        signal: ctx.signal,
        maxBytes: options.maxSpecBytes ?? MAX_SPEC_BYTES,
      });
      ctx.log(`regenerate_sdk: spec from ${spec.origin}; languages ${config.languages.join(', ')}; output_dir ${config.outputDir || '.'}`);

      // The generator (its spec parsers and emitters) is loaded on the step's first run, not at boot
      // (docs/performance.md, P7); the generation itself runs in a worker thread of its own.
      const sdk = await import('@mockops/sdk-generator');
      let generated: GenerateSdksResult;
      try {
        generated = await sdk.generateSdksIsolated(
          { source: spec.text, filename: spec.filename, imports: spec.imports, languages: config.languages, packageName: config.packageName },
          { signal: ctx.signal, timeoutMs: options.generation?.timeoutMs, maxOldGenerationSizeMb: options.generation?.maxHeapMb },
        );
      } catch (e) {
        throw generationFailure(sdk, e, spec.origin);
      }
      if (ctx.signal.aborted) throw new TransientStepError('stopped: the step timed out or the worker is shutting down', 'STEP_ABORTED');
      const { files, summary } = generated;
      ctx.log(`generated ${files.length} files for "${summary.title}" ${summary.version}: ${summary.operations} operations, ${summary.models} models`);

      const localDir = await writeTree(options.artifactsDir, ctx, config.outputDir, files);
      const archive = await packTarGz(files, archiveTime(ctx.execution.startedAt));
      const artifact = await options.artifacts.put({
        executionId: ctx.execution.id,
        stepName: ctx.step.name,
        name: SDK_ARTIFACT_NAME,
        mediaType: ARCHIVE_MEDIA_TYPE,
        content: archive,
      });
      ctx.log(`stored artifact ${artifact.name} (${artifact.size} bytes, sha256 ${artifact.sha256})`);

      const listed = filesOutput(files, config.outputDir, limits);
      if (listed.truncated) {
        ctx.log(`outputs.files lists ${listed.files.length} of ${files.length} files (limit ${limits.maxFiles} files / ${limits.maxBytes} bytes); the artifact has all of them`);
      }
      return {
        outputs: {
          files: listed.files,
          files_truncated: listed.truncated,
          file_count: files.length,
          output_dir: config.outputDir || '.',
          languages: config.languages,
          summary,
          artifact: {
            name: artifact.name,
            media_type: artifact.mediaType,
            size: artifact.size,
            sha256: artifact.sha256,
            url: `${apiBase}/executions/${ctx.execution.id}/artifacts/${artifact.name}`,
          },
          local_dir: localDir,
          spec_source: spec.origin,
          ...(config.workspaceId !== undefined ? { workspace_id: config.workspaceId } : {}),
        },
      };
    },
  };
}

/** What a failed generation means for the step: a bad spec and a spec past the limits fail for good. */
function generationFailure(
  { SdkGenerationError, SdkGenerationStoppedError }: Pick<typeof import('@mockops/sdk-generator'), 'SdkGenerationError' | 'SdkGenerationStoppedError'>,
  e: unknown,
  origin: string,
): Error {
  if (e instanceof SdkGenerationError) return new PermanentStepError(`invalid spec (${origin}): ${e.message}`, 'SDK_SPEC_INVALID');
  if (e instanceof SdkGenerationStoppedError) {
    switch (e.reason) {
      case 'aborted':
        return new TransientStepError('stopped: the step timed out or the worker is shutting down', 'STEP_ABORTED');
      case 'timeout':
        return new PermanentStepError(`SDK generation for ${origin} took too long: ${e.message}`, 'SDK_GENERATION_TIMEOUT');
      case 'out-of-memory':
        return new PermanentStepError(`SDK generation for ${origin} needed more memory than allowed: ${e.message}`, 'SDK_SPEC_TOO_LARGE');
      default:
        return new TransientStepError(e.message, 'SDK_GENERATION_CRASHED');
    }
  }
  return e instanceof Error ? e : new Error(String(e));
}

/** The archive's entry time: when the execution started, so re-runs of one execution are byte-identical. */
function archiveTime(startedAt: string): Date {
  const t = new Date(startedAt);
  return Number.isNaN(t.getTime()) ? new Date(0) : t;
}

/** `<artifactsDir>/<execution>/<step>/<output_dir>/<language>/...`, replacing what an earlier attempt wrote. */
async function writeTree(artifactsDir: string, ctx: StepRunContext<unknown>, outputDir: string, files: GeneratedFile[]): Promise<string> {
  const root = resolve(artifactsDir);
  const stepDir = resolve(root, ctx.execution.id, ctx.step.name);
  if (!stepDir.startsWith(root + sep)) throw new PermanentStepError(`step name ${ctx.step.name} cannot be used as a folder name`, 'CONFIG_INVALID');
  const target = outputDir ? join(stepDir, ...outputDir.split('/')) : stepDir;
  await rm(stepDir, { recursive: true, force: true });
  for (const f of files) {
    const path = resolve(target, ...f.path.split('/'));
    // The generator only emits `<language>/...`; checked anyway because this writes to the worker's disk.
    if (!path.startsWith(target + sep)) throw new PermanentStepError(`generated path ${f.path} leaves the output folder`, 'SDK_PATH_INVALID');
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, f.content);
  }
  return target;
}

/** The files as create_pr takes them, within the output caps. */
export function filesOutput(
  files: GeneratedFile[],
  outputDir: string,
  limits: { maxFiles: number; maxBytes: number },
): { files: SdkFileOutput[]; truncated: boolean } {
  const out: SdkFileOutput[] = [];
  let bytes = 0;
  for (const f of files) {
    const size = Buffer.byteLength(f.content);
    if (out.length >= limits.maxFiles || bytes + size > limits.maxBytes) return { files: out, truncated: true };
    bytes += size;
    out.push({ path: outputDir ? `${outputDir}/${f.path}` : f.path, content: f.content });
  }
  return { files: out, truncated: false };
}
