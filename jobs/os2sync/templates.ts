/**
 * Jinja-compatible templates for `os2sync.templates` (spec §4), on nunjucks, with Jinja's StrictUndefined:
 * any use of an undefined name or attribute (output, `if` test, filter argument, attribute access) fails;
 * only `x is defined` / `x is undefined` and the `default` filter are safe. Autoescape is off, a single
 * trailing newline of the source is dropped, and None/True/False print as Jinja prints them.
 */
import { createRequire } from 'node:module';
import nunjucks from 'nunjucks';

const require = createRequire(import.meta.url);

interface AstNode {
  typename: string;
  value?: unknown;
  name?: AstNode;
  args?: AstNode & { children: AstNode[] };
  left?: AstNode;
  right?: AstNode;
  target?: AstNode;
  children?: AstNode[];
  lenient?: boolean;
  [k: string]: unknown;
}

interface CompilerLike {
  _emit(code: string): void;
  compile(node: AstNode, frame: unknown): void;
  getCode(): string;
}
type CompilerCtor = new (name: string, throwOnUndefined: boolean) => CompilerLike;

const nj = nunjucks as unknown as {
  compiler: { Compiler: CompilerCtor };
  parser: { parse(src: string, extensions: unknown[], opts: unknown): AstNode };
  Template: typeof nunjucks.Template;
};
const transformer = require('nunjucks/src/transformer.js') as {
  transform(ast: AstNode, asyncFilters: string[]): AstNode;
};

export class TemplateSyntaxError extends Error {}
export class TemplateRenderError extends Error {}

const UNDEFINED_NAME = '__os2sync_strict_name';
const UNDEFINED_MEMBER = '__os2sync_strict_member';
const JINJA_STR = '__os2sync_jinja_str';

/** Marks the expressions Jinja evaluates without failing on undefined: `x is defined`, `x | default(...)`. */
function markLenient(node: unknown): void {
  if (!node || typeof node !== 'object') return;
  const n = node as AstNode;
  if (n.typename === 'Is' && n.left && n.right) {
    const test = (n.right.name?.value ?? n.right.value) as string;
    if (test === 'defined' || test === 'undefined') markChain(n.left);
  }
  if (n.typename === 'Filter' && n.name && ['default', 'd'].includes(n.name.value as string)) {
    const first = n.args?.children?.[0];
    if (first) markChain(first);
  }
  for (const [key, value] of Object.entries(n)) {
    if (key === 'lenient') continue;
    if (Array.isArray(value)) value.forEach(markLenient);
    else if (value && typeof value === 'object') markLenient(value);
  }
}

function markChain(node: AstNode): void {
  node.lenient = true;
  if (node.typename === 'LookupVal' && node.target) markChain(node.target);
}

const Base = nj.compiler.Compiler;

/** The nunjucks compiler with StrictUndefined lookups and Jinja's printing of None/True/False. */
class StrictCompiler extends Base {
  compileSymbol(node: AstNode, frame: unknown): void {
    if (node.lenient)
      return (
        Base.prototype as unknown as { compileSymbol: (n: AstNode, f: unknown) => void }
      ).compileSymbol.call(this, node, frame);
    this._emit(`env.getFilter("${UNDEFINED_NAME}").call(context, `);
    (Base.prototype as unknown as { compileSymbol: (n: AstNode, f: unknown) => void }).compileSymbol.call(
      this,
      node,
      frame,
    );
    this._emit(`, ${JSON.stringify(String(node.value))})`);
  }

  compileLookupVal(node: AstNode, frame: unknown): void {
    const lookup = node.lenient
      ? 'runtime.memberLookup(('
      : `env.getFilter("${UNDEFINED_MEMBER}").call(context, (`;
    this._emit(lookup);
    (this as unknown as { _compileExpression(n: unknown, f: unknown): void })._compileExpression(
      node.target,
      frame,
    );
    this._emit('),');
    (this as unknown as { _compileExpression(n: unknown, f: unknown): void })._compileExpression(
      node.val,
      frame,
    );
    this._emit(')');
  }

  compileOutput(node: AstNode, frame: unknown): void {
    for (const child of node.children ?? []) {
      if (child.typename === 'TemplateData') {
        if (child.value)
          this._emit(
            `${(this as unknown as { buffer: string }).buffer} += ${JSON.stringify(child.value)};\n`,
          );
        continue;
      }
      this._emit(
        `${(this as unknown as { buffer: string }).buffer} += env.getFilter("${JINJA_STR}").call(context, `,
      );
      this.compile(child, frame);
      this._emit(');\n');
    }
  }
}

function strictEnvironment(): nunjucks.Environment {
  const env = new nunjucks.Environment([], { autoescape: false, throwOnUndefined: false });
  env.addFilter(UNDEFINED_NAME, (value: unknown, name: string) => {
    if (value === undefined) throw new TemplateRenderError(`'${name}' is undefined`);
    return value;
  });
  env.addFilter(UNDEFINED_MEMBER, (target: unknown, key: unknown) => {
    if (target === undefined || target === null)
      throw new TemplateRenderError(
        `cannot read attribute '${String(key)}' of ${target === null ? 'None' : 'undefined'}`,
      );
    const value = (target as Record<string, unknown>)[key as string];
    if (value === undefined) throw new TemplateRenderError(`object has no attribute '${String(key)}'`);
    return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
  });
  env.addFilter(JINJA_STR, (value: unknown) => {
    if (value === undefined) throw new TemplateRenderError('undefined value in output');
    if (value === null) return 'None';
    if (value === true) return 'True';
    if (value === false) return 'False';
    return value;
  });
  return env;
}

export interface CompiledTemplate {
  key: string;
  render(context: Record<string, unknown>): string;
}

const environment = strictEnvironment();

/** Parses and compiles one template; throws TemplateSyntaxError naming the key (not the source). */
export function compileTemplate(key: string, source: string): CompiledTemplate {
  const src = source.endsWith('\n') ? source.slice(0, -1) : source;
  let template: nunjucks.Template;
  try {
    const ast = nj.parser.parse(src, [], { autoescape: false });
    markLenient(ast);
    const compiler = new StrictCompiler(key, false);
    compiler.compile(transformer.transform(ast, []), undefined);
    const props = new Function(compiler.getCode())() as object;
    template = new nj.Template({ type: 'code', obj: props } as unknown as string, environment, key, true);
  } catch (err) {
    throw new TemplateSyntaxError(`syntax error in template ${key}: ${firstLine(err)}`);
  }
  return {
    key,
    render(context) {
      try {
        return template.render(context);
      } catch (err) {
        throw new TemplateRenderError(`could not render template ${key}: ${firstLine(err)}`);
      }
    },
  };
}

/** The error text without nunjucks' "(unknown path)" decoration and without any context values. */
function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const lines = msg
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^\(.*\)( \[Line \d+, Column \d+\])?$/.test(l));
  return (lines.find((l) => !l.startsWith('Error: ')) ?? lines[0] ?? 'error').replace(
    /^(Template render error|Error): /,
    '',
  );
}

/** Compiles every configured template (known and unknown keys) before anything is sent. */
export function compileTemplates(sources: Record<string, string>): Map<string, CompiledTemplate> {
  const out = new Map<string, CompiledTemplate>();
  for (const [key, source] of Object.entries(sources)) out.set(key, compileTemplate(key, source));
  return out;
}
