import { SPEC_PIPELINES, specFixture, specPipeline, type SpecPipelineName } from './spec-pipelines';

// examples/ is what users copy and what the end-to-end tests run: it must stay the spec's text.
describe('examples/ holds the spec pipelines verbatim', () => {
  it.each(Object.keys(SPEC_PIPELINES) as SpecPipelineName[])('%s', (name) => {
    expect(specPipeline(name)).toBe(specFixture(name));
    expect(specPipeline(name)).toMatch(new RegExp(`^name: ${name}\\n`));
  });
});
