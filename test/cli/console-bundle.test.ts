import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildConsole, CONSOLE_DIST } from '../../cli/build-console';
import { ROOT } from '../../cli/build';

const committedFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .sort();

describe('the console build (cli/dist/console)', () => {
  it('is what npm run build:console builds from the sources today, file for file', async () => {
    const built = await buildConsole();
    const dist = join(ROOT, CONSOLE_DIST);

    const stale = built
      .filter((file) => {
        try {
          return readFileSync(join(dist, file.path), 'utf8') !== file.contents;
        } catch {
          return true;
        }
      })
      .map((file) => file.path);

    expect({ files: committedFiles(dist), stale, fix: 'npm run build:console' }).toEqual({
      files: built.map((file) => file.path),
      stale: [],
      fix: 'npm run build:console',
    });
  });

  it('names its assets by their content and links them from index.html, with nothing inline', async () => {
    const built = await buildConsole();
    const html = built.find((file) => file.path === 'index.html')?.contents ?? '';
    const assets = built.filter((file) => file.path !== 'index.html').map((file) => file.path);

    expect(assets).toHaveLength(2);
    expect(assets).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^assets\/app\.[A-Z0-9]{8}\.css$/),
        expect.stringMatching(/^assets\/app\.[A-Z0-9]{8}\.js$/),
      ]),
    );
    for (const asset of assets) expect(html).toContain(`"/${asset}"`);
    // The server adds the session token after <head>.
    expect(html).toContain('<head>\n');
    // No inline script or style: the server's Content-Security-Policy can forbid both.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)|<style|\sstyle=/);
  });

  it('gives the same bytes on a second build', async () => {
    const [first, second] = [await buildConsole(), await buildConsole()];

    expect(second).toEqual(first);
  });
});
