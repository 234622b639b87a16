import { useMemo } from 'react';
import hljs from 'highlight.js/lib/core';
import json from 'highlight.js/lib/languages/json';
import yaml from 'highlight.js/lib/languages/yaml';

hljs.registerLanguage('yaml', yaml);
hljs.registerLanguage('json', json);

/** Highlighted YAML or JSON (highlight.js with only those two grammars, to stay small). */
export function Highlight({ code, language, label }: { code: string; language: 'yaml' | 'json'; label: string }) {
  // highlight.js escapes the text it returns, so its HTML is safe to insert.
  const html = useMemo(() => hljs.highlight(code, { language }).value, [code, language]);
  return (
    <pre className="code" aria-label={label} tabIndex={0}>
      <code className={`hljs language-${language}`} dangerouslySetInnerHTML={{ __html: html }} />
    </pre>
  );
}
