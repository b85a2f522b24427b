// Draws the book's ```mermaid blocks. mdbook renders them as <pre><code class="language-mermaid">;
// when the page has any, this loads mermaid's own bundle (docs/src/mermaid/mermaid.min.js,
// fetched by scripts/book.sh), turns each block into <pre class="mermaid"> and has mermaid draw
// it, in the dark theme when the reader chose a dark mdbook theme. Without the bundle the
// blocks stay readable as their source.
(() => {
  const blocks = [...document.querySelectorAll('code.language-mermaid')];
  if (blocks.length === 0) return;
  const root = typeof path_to_root === 'string' ? path_to_root : '';
  const script = document.createElement('script');
  script.src = `${root}mermaid/mermaid.min.js`;
  script.onload = () => {
    for (const code of blocks) {
      const pre = document.createElement('pre');
      pre.className = 'mermaid';
      pre.textContent = code.textContent;
      code.parentElement.replaceWith(pre);
    }
    const dark = ['coal', 'navy', 'ayu'].some((t) => document.documentElement.classList.contains(t));
    mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: dark ? 'dark' : 'default' });
    mermaid.run();
  };
  document.head.appendChild(script);
})();
