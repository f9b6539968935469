/** Spec §4: Jinja semantics with StrictUndefined on nunjucks. */
import { expect } from 'chai';
import {
  compileTemplate,
  compileTemplates,
  TemplateRenderError,
  TemplateSyntaxError,
} from '../../jobs/os2sync/templates.js';

const ctx = {
  name: 'Jens Ærø',
  nickname: '',
  uuid: 'u-1',
  candidate_user_id: null,
  person: { uuid: 'p' },
  flag: true,
};
const render = (src: string) => compileTemplate('person.name', src).render(ctx);

describe('os2sync templates (Jinja with StrictUndefined)', () => {
  it('renders the documented examples with whitespace control; autoescape is off; one trailing newline dropped', () => {
    expect(render('{% if nickname -%}{{ nickname }}{%- else %}{{ name }}{%- endif %}\n')).to.equal(
      'Jens Ærø',
    );
    expect(compileTemplate('k', '{{ name }} & <b>').render({ name: 'A&B' })).to.equal('A&B & <b>');
    expect(render('{{ name }}\n\n')).to.equal('Jens Ærø\n');
  });

  it('prints None/True/False like Jinja, and defined-empty values are falsy', () => {
    expect(render('{{ candidate_user_id }}|{{ flag }}')).to.equal('None|True');
    expect(render('{% if nickname %}x{% else %}empty{% endif %}')).to.equal('empty');
  });

  it('undefined names fail in output, in if tests, as filter input and on attribute access', () => {
    for (const src of [
      '{{ unknown_variable }}',
      '{% if foo %}x{% endif %}',
      '{{ foo | upper }}',
      '{{ person.missing }}',
      '{{ nothing.at.all }}',
    ]) {
      expect(() => render(src), src).to.throw(TemplateRenderError, /could not render template person\.name/);
    }
  });

  it('only "is defined" and "default" are safe with undefined names', () => {
    expect(render('{% if foo is defined %}y{% else %}n{% endif %}')).to.equal('n');
    expect(render('{{ foo | default("fallback") }}')).to.equal('fallback');
    expect(render('{{ person.missing | default(name) }}')).to.equal('Jens Ærø');
  });

  it('a filter on the wrong type is a render error ({{ name|dictsort }})', () => {
    expect(() => render('{{ name|dictsort }}')).to.throw(TemplateRenderError);
  });

  it('syntax errors are reported at compile time naming the key, for known and unknown keys', () => {
    expect(() =>
      compileTemplates({ 'person.user_id': '{{ user_key }}', 'some.other': '{% invalid jinja %}' }),
    ).to.throw(TemplateSyntaxError, /syntax error in template some\.other/);
    expect(() => compileTemplate('person.name', '{{ name ')).to.throw(TemplateSyntaxError);
  });

  it('loops and set keep their local names', () => {
    expect(render('{% set y = name %}{% for x in [1, 2] %}{{ x }}{% endfor %}{{ y }}')).to.equal(
      '12Jens Ærø',
    );
  });
});
