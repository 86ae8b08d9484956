// Syntax highlighting of fenced code blocks with highlight.js (core and the languages vendored by
// update-vendor.sh). A block is highlighted only when its language is one of these (or an alias
// such as js, py, sh, html); others stay plain text. The highlighter escapes the code itself, and
// its markup is sanitized again down to <span class> before it reaches the page.
import hljs from './vendor/highlight/core.js';
import DOMPurify from './vendor/dompurify/purify.es.js';
import bash from './vendor/highlight/languages/bash.js';
import c from './vendor/highlight/languages/c.js';
import cpp from './vendor/highlight/languages/cpp.js';
import css from './vendor/highlight/languages/css.js';
import diff from './vendor/highlight/languages/diff.js';
import go from './vendor/highlight/languages/go.js';
import java from './vendor/highlight/languages/java.js';
import javascript from './vendor/highlight/languages/javascript.js';
import json from './vendor/highlight/languages/json.js';
import markdown from './vendor/highlight/languages/markdown.js';
import plaintext from './vendor/highlight/languages/plaintext.js';
import python from './vendor/highlight/languages/python.js';
import rust from './vendor/highlight/languages/rust.js';
import shell from './vendor/highlight/languages/shell.js';
import sql from './vendor/highlight/languages/sql.js';
import typescript from './vendor/highlight/languages/typescript.js';
import xml from './vendor/highlight/languages/xml.js';
import yaml from './vendor/highlight/languages/yaml.js';

const LANGUAGES = {
  bash, c, cpp, css, diff, go, java, javascript, json, markdown, plaintext, python, rust, shell,
  sql, typescript, xml, yaml,
};
for (const [name, grammar] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, grammar);

const SPANS_ONLY = { ALLOWED_TAGS: ['span'], ALLOWED_ATTR: ['class'], RETURN_DOM_FRAGMENT: true };

// Highlights every <pre><code class="language-…"> under `root` whose language is known.
export function highlightCodeBlocks(root) {
  for (const code of root.querySelectorAll('pre > code[class*="language-"]')) {
    const name = [...code.classList].find((c) => c.startsWith('language-'))?.slice('language-'.length);
    if (!name || !hljs.getLanguage(name)) continue;
    const { value } = hljs.highlight(code.textContent, { language: name, ignoreIllegals: true });
    code.replaceChildren(DOMPurify.sanitize(value, SPANS_ONLY));
    code.classList.add('hljs');
    code.dataset.highlighted = hljs.getLanguage(name).name ?? name;
  }
}
