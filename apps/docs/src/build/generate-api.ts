/**
 * The API reference: TypeDoc with typedoc-plugin-markdown turns each package's TSDoc into one Markdown page,
 * `content/api/<folder>.md`, plus an index. Run by `pnpm --filter docs build` (and `dev`) before VitePress.
 *
 * @module
 */

import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Application, type TypeDocOptions } from 'typedoc';
import type { PluginOptions } from 'typedoc-plugin-markdown';
import { type DocumentedPackage, documentedPackages } from './packages.ts';
import { apiDirectory, repositoryRoot } from './paths.ts';

/** Thrown when TypeDoc cannot convert a package. */
export class ApiReferenceError extends Error {
  constructor(
    /** The package that failed. */
    readonly packageName: string,
    detail: string,
  ) {
    super(`API reference for ${packageName}: ${detail}`);
    this.name = 'ApiReferenceError';
  }
}

/**
 * Wraps generated Markdown so VitePress renders it literally: TSDoc may contain `{{ }}` or tags that Vue
 * would otherwise compile as a template.
 */
export function asLiteralMarkdown(markdown: string, title: string): string {
  const body = markdown.replace(/^# .*\n/, '').trim();
  return `---\ntitle: ${JSON.stringify(title)}\noutline: [2, 3]\n---\n\n# ${title}\n\n::: v-pre\n\n${body}\n\n:::\n`;
}

async function renderPackage(documented: DocumentedPackage, scratch: string): Promise<string> {
  const packageRoot = join(repositoryRoot, 'packages', documented.folder);
  const options: Partial<TypeDocOptions & PluginOptions> = {
    entryPoints: [join(packageRoot, 'src/index.ts')],
    tsconfig: join(packageRoot, 'tsconfig.build.json'),
    plugin: ['typedoc-plugin-markdown'],
    out: scratch,
    name: documented.name,
    readme: 'none',
    skipErrorChecking: true,
    disableSources: true,
    excludePrivate: true,
    excludeInternal: true,
    logLevel: 'Warn',
    outputFileStrategy: 'modules',
    hidePageHeader: true,
    hideBreadcrumbs: true,
    useHTMLEncodedBrackets: true,
    // TypeDoc's own anchors (`#cellwgsl-1`), so its links resolve whatever VitePress's heading slugs are.
    useHTMLAnchors: true,
    sanitizeComments: true,
  };
  const app = await Application.bootstrapWithPlugins(options);
  const project = await app.convert();
  if (!project) throw new ApiReferenceError(documented.name, 'TypeDoc could not convert the package');
  await app.generateOutputs(project);
  if (app.logger.hasErrors()) throw new ApiReferenceError(documented.name, 'TypeDoc reported errors');
  return readFile(join(scratch, 'README.md'), 'utf8');
}

function indexPage(): string {
  const rows = documentedPackages.map((p) => `| [\`${p.name}\`](./${p.folder}.md) | ${p.summary} |`);
  return [
    '# API reference',
    '',
    'Generated from the TSDoc of each package at build time (TypeDoc with typedoc-plugin-markdown).',
    '',
    '| package | what it is |',
    '|---|---|',
    ...rows,
    '',
  ].join('\n');
}

/** Writes `content/api/`: `index.md` and one page per package. */
export async function generateApiReference(): Promise<void> {
  await rm(apiDirectory, { recursive: true, force: true });
  await mkdir(apiDirectory, { recursive: true });
  for (const documented of documentedPackages) {
    const scratch = join(apiDirectory, `.typedoc-${documented.folder}`);
    const markdown = await renderPackage(documented, scratch);
    await writeFile(
      join(apiDirectory, `${documented.folder}.md`),
      asLiteralMarkdown(markdown, documented.name),
    );
    await rm(scratch, { recursive: true, force: true });
  }
  await writeFile(join(apiDirectory, 'index.md'), indexPage());
}
