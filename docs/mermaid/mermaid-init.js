// Draws the book's ```mermaid blocks. mdbook renders them as <pre><code class="language-mermaid">;
// each becomes <pre class="mermaid"> and mermaid (mermaid.min.js, fetched by scripts/book.sh)
// draws it, in the dark theme when the reader chose a dark mdbook theme.
(() => {
  const blocks = [...document.querySelectorAll('code.language-mermaid')];
  if (blocks.length === 0 || typeof mermaid === 'undefined') return;
  for (const code of blocks) {
    const pre = document.createElement('pre');
    pre.className = 'mermaid';
    pre.textContent = code.textContent;
    code.parentElement.replaceWith(pre);
  }
  const dark = ['coal', 'navy', 'ayu'].some((t) => document.documentElement.classList.contains(t));
  mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: dark ? 'dark' : 'default' });
  mermaid.run();
})();
