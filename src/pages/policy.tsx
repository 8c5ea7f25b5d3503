import { Hono } from 'hono';
import { renderPage } from './token.js';
import { POLICY_RU } from './policy-text.js';

/** Headings, bullet lists and paragraphs: all the Markdown the policy uses. Text is escaped by JSX. */
function PolicyBody(props: { markdown: string }) {
  const blocks = props.markdown.split(/\n\s*\n/).map((b) => b.trim()).filter(Boolean);
  return (
    <>
      {blocks.map((b) => {
        if (b.startsWith('# ')) return <h1>{b.slice(2)}</h1>;
        if (b.startsWith('## ')) return <h2>{b.slice(3)}</h2>;
        const lines = b.split('\n');
        if (lines.every((l) => l.startsWith('- '))) return <ul>{lines.map((l) => <li>{l.slice(2)}</li>)}</ul>;
        return <p>{lines.join(' ')}</p>;
      })}
    </>
  );
}

/** `GET /privacy`: the policy whose promises this service keeps (linked from the confirmation mail). */
export function policyRoutes() {
  const app = new Hono();
  app.get('/privacy', (c) => renderPage(c, 200, 'ru', 'Политика конфиденциальности', <PolicyBody markdown={POLICY_RU} />));
  return app;
}
