import { isCheckingRendered, isPlainObject } from '../validation/checks';
import { defineStepType, f } from './schema';

export const SDK_LANGUAGES = ['typescript', 'python', 'rust'] as const;
export type SdkLanguage = (typeof SDK_LANGUAGES)[number];

/** Where regenerate_sdk writes when `output_dir` is absent (documented, not written into the document). */
export const REGENERATE_SDK_DEFAULT_OUTPUT_DIR = './generated-sdks';

/** `regenerate_sdk`: client SDKs from an OpenAPI/Swagger/Protobuf description. */
export const regenerateSdkStepType = defineStepType({
  type: 'regenerate_sdk',
  summary: 'Generates TypeScript, Python and Rust SDKs from a spec (file, URL or the event), stores them as an artifact and lists them as outputs.files.',
  retryPolicy: 'default',
  // CPU-bound: one generation keeps a core busy (GitHub's description, three languages: about 2 s) and
  // its thread may take MOCKOPS_SDK_MAX_HEAP_MB; two at once on a 2-core worker only slow both down.
  concurrency: 1,
  fields: {
    languages: f
      .enumList(SDK_LANGUAGES, 'language', 'Which SDKs to generate.')
      .orTemplate()
      .required()
      .coercing((v) => (typeof v === 'string' ? v.split(',').map((l) => l.trim().toLowerCase()).filter(Boolean) : Array.isArray(v) ? v.map((l) => (typeof l === 'string' ? l.trim().toLowerCase() : l)) : v)),
    spec_path: f.text('A file under MOCKOPS_SPEC_ROOT or an http(s) URL; default the event payload\'s spec_path.'),
    spec: f
      .text('The spec text inline (wins over spec_path).')
      .checking((v) => (typeof v === 'string' && v.trim() !== '') || (isCheckingRendered() && isPlainObject(v)) ? null : { message: 'must be the spec text' }),
    output_dir: f.text(`Repository-relative folder of the SDKs; default ${REGENERATE_SDK_DEFAULT_OUTPUT_DIR}.`),
    workspace_id: f.textOrNumber('Recorded with the artifact.'),
    package_name: f.text('Package name; default derived from the API title.'),
  },
  example: { spec_path: '{{event.spec_path}}', languages: ['typescript', 'rust', 'python'] },
});
