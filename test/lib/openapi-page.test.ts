import { resolve } from 'node:path';
import { runInNewContext } from 'node:vm';
import { builtInProviders } from '#shared/providers/registry';
import { parseConfig } from '../../lib/config';
import { stackApiDocument } from '../../lib/openapi';
import { API_DOCS_PAGE } from '../../lib/openapi/serve';
import { aConfig } from '../helpers/stack';

/** The few DOM calls the page makes, recorded as a tree whose text can be read back. */
class FakeNode {
  readonly children: (FakeNode | { text: string })[] = [];
  readonly attributes: Record<string, string> = {};
  text = '';
  constructor(readonly tag: string) {}
  setAttribute(name: string, value: string) {
    this.attributes[name] = value;
  }
  append(child: FakeNode | { text: string }) {
    this.children.push(child);
  }
  replaceChildren(...children: (FakeNode | { text: string })[]) {
    this.children.splice(0, this.children.length, ...children);
  }
  set textContent(text: string) {
    this.text = text;
    this.children.splice(0);
  }
}

const textOf = (node: FakeNode | { text: string }): string =>
  node instanceof FakeNode ? [node.text, ...node.children.map(textOf)].join(' ') : node.text;

const nodesOf = (node: FakeNode | { text: string }): FakeNode[] =>
  node instanceof FakeNode ? [node, ...node.children.flatMap(nodesOf)] : [];

/** Runs the page's script on `body` as the answer of openapi.json; resolves with the page's root. */
const renderPage = async (answer: { ok: boolean; status: number; body: unknown }) => {
  const script = /<script>([\s\S]*)<\/script>/.exec(API_DOCS_PAGE)?.[1] ?? '';
  const root = new FakeNode('main');
  const requested: string[] = [];
  const document = {
    createElement: (tag: string) => new FakeNode(tag),
    createTextNode: (text: string) => ({ text }),
    getElementById: () => root,
  };
  const fetch = (url: string) => {
    requested.push(url);
    return Promise.resolve({
      ok: answer.ok,
      status: answer.status,
      json: () => Promise.resolve(answer.body),
    });
  };
  // The page's own script, in a context of its own with a document and fetch, as a browser runs it.
  runInNewContext(script, { document, fetch });
  await new Promise((settled) => setTimeout(settled, 10));
  return { root, requested };
};

describe('the /api-docs page', () => {
  const document = stackApiDocument({
    config: parseConfig(
      aConfig({ providers: Object.fromEntries(Object.keys(builtInProviders).map((id) => [id, {}])) }),
    ),
    root: resolve(__dirname, '..', '..'),
  }) as { paths: Record<string, unknown>; tags: { name: string }[] };

  it('reads openapi.json beside it and renders every operation under its provider', async () => {
    const { root, requested } = await renderPage({ ok: true, status: 200, body: document });

    expect(requested).toEqual(['openapi.json']);
    const operations = nodesOf(root).filter((node) => node.attributes.class === 'operation');
    expect(operations).toHaveLength(Object.keys(document.paths).length);
    const sections = nodesOf(root).filter((node) => node.tag === 'section');
    expect(sections.map((section) => section.attributes.id)).toEqual(
      document.tags.map((tag) => `tag-${tag.name}`),
    );
    expect(textOf(root)).toContain('Stripe-Signature');
    expect(textOf(root)).toContain('Only POST is accepted.');
  });

  it('shows examples as text, so that a payload cannot inject markup', async () => {
    const hostile = '<img src=x onerror=alert(1)>';
    const withHostileExample = structuredClone(document) as typeof document & {
      components: { examples: Record<string, { value: unknown }> };
    };
    withHostileExample.components.examples['stripe.invoice.paid'] = { value: { description: hostile } };

    const { root } = await renderPage({ ok: true, status: 200, body: withHostileExample });

    expect(textOf(root)).toContain(hostile);
    expect(nodesOf(root).some((node) => node.tag === 'img')).toBe(false);
    expect(API_DOCS_PAGE).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });

  it('says when openapi.json cannot be read', async () => {
    const { root } = await renderPage({ ok: false, status: 404, body: {} });

    expect(root.text).toBe('Could not read openapi.json: openapi.json answered 404');
  });

  it('loads nothing from elsewhere', () => {
    expect(API_DOCS_PAGE).not.toMatch(/(?:src|href)=["']?(?:https?:)?\/\//);
    expect(API_DOCS_PAGE).not.toMatch(/@import|url\(/);
  });
});
