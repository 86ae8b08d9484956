// Markdown for untrusted model output: parsed by marked, sanitized by DOMPurify, then code blocks
// are highlighted (highlight.js) and get a toolbar with a copy button. Nothing here ever assigns
// unsanitized HTML.
import { Marked } from './vendor/marked/marked.esm.js';
import DOMPurify from './vendor/dompurify/purify.es.js';
import { highlightCodeBlocks } from './highlight.js';

const parser = new Marked({ gfm: true, breaks: false, async: false });

const SANITIZE = {
  RETURN_DOM_FRAGMENT: true,
  FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'option'],
  FORBID_ATTR: ['style'],
};

// Links open in a new tab and never get the page's window.opener.
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A' && node.hasAttribute('href')) {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer nofollow');
  }
});

function decorateCodeBlocks(root) {
  for (const pre of root.querySelectorAll('pre')) {
    const code = pre.querySelector('code');
    const language = code ? [...code.classList].find((c) => c.startsWith('language-')) : undefined;
    const wrapper = document.createElement('div');
    wrapper.className = 'codeblock';
    const bar = document.createElement('div');
    bar.className = 'codeblock-bar';
    const label = document.createElement('span');
    label.className = 'codeblock-lang';
    label.textContent = language ? language.slice('language-'.length) : 'code';
    const copy = document.createElement('button');
    copy.type = 'button';
    copy.className = 'copy-button';
    copy.dataset.action = 'copy-code';
    copy.textContent = 'Copy';
    copy.setAttribute('aria-label', `Copy ${label.textContent} code`);
    bar.append(label, copy);
    pre.replaceWith(wrapper);
    wrapper.append(bar, pre);
  }
}

// Replaces the children of `element` with the rendered Markdown of `text`.
export function renderMarkdown(element, text) {
  const fragment = DOMPurify.sanitize(parser.parse(text), SANITIZE);
  highlightCodeBlocks(fragment);
  decorateCodeBlocks(fragment);
  element.replaceChildren(fragment);
}
