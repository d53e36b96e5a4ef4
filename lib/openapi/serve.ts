/**
 * What a server of the API description needs, without loading the code that builds it: where a
 * synthesized assembly keeps the document, and a page that renders it. The page is one
 * self-contained file (no CDN, no package) so that it works offline; it builds the DOM with
 * textContent only, since examples are providers' payloads.
 */

/** The document's name in the assembly directory (cdk.out), beside the template. */
export const API_DOCUMENT_FILE = 'openapi.json';

const STYLE = `
body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 70rem; padding: 1rem 2rem; color: #1d1d1f; }
h1 { margin-bottom: 0; } h2 { border-bottom: 1px solid #ddd; margin-top: 2.5rem; }
nav a { margin-right: 1rem; } code, pre { font: 13px/1.4 ui-monospace, monospace; }
pre { background: #f5f5f7; padding: .75rem; overflow: auto; max-height: 28rem; border-radius: 4px; }
details.operation { border: 1px solid #ccc; border-radius: 6px; margin: 1rem 0; padding: .5rem 1rem; }
details.operation > summary { cursor: pointer; font-weight: 600; }
.method { background: #0b6bcb; color: #fff; border-radius: 3px; padding: 0 .4rem; margin-right: .5rem; }
table { border-collapse: collapse; margin: .5rem 0; } td, th { border: 1px solid #ddd; padding: .25rem .5rem; text-align: left; vertical-align: top; }
.status { font-weight: 600; } .muted { color: #666; }
`;

const SCRIPT = `
const el = (tag, attributes, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, value);
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
};
const paragraphs = (text) => (text || '').split(/\\n\\n+/).filter(Boolean).map((p) => el('p', {}, p));
const pretty = (value) => el('pre', {}, typeof value === 'string' ? value : JSON.stringify(value, null, 2));

const render = (doc) => {
  const deref = (value, seen = new Set()) => {
    if (!value || typeof value !== 'object' || typeof value.$ref !== 'string' || seen.has(value.$ref)) return value;
    seen.add(value.$ref);
    const target = value.$ref.replace(/^#\\//, '').split('/')
      .map((part) => decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((node, key) => (node ? node[key] : undefined), doc);
    return deref(target, seen);
  };
  const examplesOf = (media) => media.example !== undefined
    ? [['example', { value: media.example }]]
    : Object.entries(media.examples || {}).map(([name, example]) => [name, deref(example)]);
  const exampleList = (media) => examplesOf(media).map(([name, example]) =>
    el('details', {}, el('summary', {}, name, example.summary ? el('span', { class: 'muted' }, ' — ' + example.summary) : ''),
      pretty(example.value)));
  const schemaText = (schema) => {
    const resolved = deref(schema || {});
    if (resolved.enum) return resolved.enum.join(' | ');
    return (resolved.type || '') + (resolved.pattern ? ' ' + resolved.pattern : '');
  };

  const parameters = (list) => list.length === 0 ? [] : [el('h4', {}, 'Parameters'), el('table', {},
    el('tr', {}, el('th', {}, 'name'), el('th', {}, 'in'), el('th', {}, 'required'), el('th', {}, 'schema'), el('th', {}, 'description')),
    list.map((p) => deref(p)).map((p) => el('tr', {}, el('td', {}, el('code', {}, p.name)), el('td', {}, p.in),
      el('td', {}, p.required ? 'yes' : 'no'), el('td', {}, el('code', {}, schemaText(p.schema))), el('td', {}, p.description || ''))))];

  const requestBody = (body) => {
    if (!body) return [];
    const resolved = deref(body);
    return [el('h4', {}, 'Request body'), Object.entries(resolved.content || {}).map(([type, media]) =>
      el('div', {}, el('p', {}, el('code', {}, type), ' ', el('span', { class: 'muted' }, schemaText(media.schema))), exampleList(media)))];
  };

  const responses = (all) => [el('h4', {}, 'Responses'), Object.entries(all || {}).map(([status, response]) => {
    const resolved = deref(response);
    const headers = Object.keys(resolved.headers || {});
    return el('div', {}, el('p', {}, el('span', { class: 'status' }, status), ' ', resolved.description || ''),
      headers.length > 0 ? el('p', { class: 'muted' }, 'Headers: ' + headers.join(', ')) : '',
      Object.entries(resolved.content || {}).map(([type, media]) => el('div', {},
        el('details', {}, el('summary', {}, 'schema (' + type + ')'), pretty(media.schema)), exampleList(media))));
  })];

  const operations = Object.entries(doc.paths || {}).flatMap(([path, item]) =>
    ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']
      .filter((method) => item[method])
      .map((method) => ({ path, item, method, operation: item[method] })));

  const root = document.getElementById('api');
  // replaceChildren takes nodes, not arrays: el() flattens them into one container.
  root.replaceChildren(el('div', {},
    el('h1', {}, doc.info.title), el('p', { class: 'muted' }, 'OpenAPI ' + doc.openapi + ', version ' + doc.info.version + ' — ',
      el('a', { href: 'openapi.json' }, 'openapi.json')),
    paragraphs(doc.info.description),
    el('h3', {}, 'Servers'), el('ul', {}, (doc.servers || []).map((s) => el('li', {}, el('code', {}, s.url), s.description ? ' — ' + s.description : ''))),
    el('nav', {}, (doc.tags || []).map((tag) => el('a', { href: '#tag-' + tag.name }, tag.name))),
    (doc.tags || []).map((tag) => el('section', { id: 'tag-' + tag.name }, el('h2', {}, tag.name), paragraphs(tag.description),
      operations.filter(({ operation }) => (operation.tags || []).includes(tag.name)).map(({ path, item, method, operation }) =>
        el('details', { class: 'operation' },
          el('summary', {}, el('span', { class: 'method' }, method.toUpperCase()), el('code', {}, path), ' ', operation.summary || ''),
          paragraphs(item.description), paragraphs(operation.description),
          parameters([...(item.parameters || []), ...(operation.parameters || [])]),
          requestBody(operation.requestBody), responses(operation.responses))))),
    el('h2', {}, 'Schemas'),
    Object.entries((doc.components || {}).schemas || {}).map(([name, schema]) => el('details', {}, el('summary', {}, name), pretty(schema)))));
};

fetch('openapi.json')
  .then((response) => { if (!response.ok) throw new Error('openapi.json answered ' + response.status); return response.json(); })
  .then(render)
  .catch((error) => { document.getElementById('api').textContent = 'Could not read openapi.json: ' + error.message; });
`;

/** The page served at /api-docs: it reads `openapi.json` beside it and renders every operation. */
export const API_DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>RelayFlow API</title>
<style>${STYLE}</style>
</head>
<body>
<main id="api">Loading <a href="openapi.json">openapi.json</a>…</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
