import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isNonNullType,
  isObjectType,
  isScalarType,
  printSchema,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { extractSubset } from './subset-schema.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const v29Path = path.resolve(repoRoot, '../shared/os2mo-schema-v29.graphql');
const subsetPath = path.join(here, 'schema.graphql');

/** Every way the emulator's schema could differ from v29 so that a query valid here is not valid there. */
function differences(subset: GraphQLSchema, v29: GraphQLSchema): string[] {
  const out: string[] = [];
  for (const type of Object.values(subset.getTypeMap()) as GraphQLNamedType[]) {
    if (type.name.startsWith('__')) continue;
    const real = v29.getType(type.name);
    if (!real) {
      out.push(`type ${type.name} is not in v29`);
      continue;
    }
    if (real.constructor !== type.constructor) {
      out.push(`${type.name} is a ${type.constructor.name} here, a ${real.constructor.name} in v29`);
      continue;
    }
    if (isEnumType(type) && isEnumType(real)) {
      for (const v of type.getValues())
        if (!real.getValue(v.name)) out.push(`enum value ${type.name}.${v.name} is not in v29`);
    }
    if ((isObjectType(type) || isInterfaceType(type)) && (isObjectType(real) || isInterfaceType(real))) {
      const realFields = real.getFields();
      for (const f of Object.values(type.getFields())) {
        const rf = realFields[f.name];
        if (!rf) {
          out.push(`field ${type.name}.${f.name} is not in v29`);
          continue;
        }
        if (String(f.type) !== String(rf.type))
          out.push(`${type.name}.${f.name}: ${String(f.type)} here, ${String(rf.type)} in v29`);
        for (const a of f.args) {
          const ra = rf.args.find((x) => x.name === a.name);
          if (!ra) out.push(`argument ${type.name}.${f.name}(${a.name}) is not in v29`);
          else if (String(a.type) !== String(ra.type))
            out.push(`${type.name}.${f.name}(${a.name}): ${String(a.type)} here, ${String(ra.type)} in v29`);
        }
        for (const ra of rf.args) {
          if (
            isNonNullType(ra.type) &&
            ra.defaultValue === undefined &&
            !f.args.some((a) => a.name === ra.name)
          ) {
            out.push(`required argument ${type.name}.${f.name}(${ra.name}) is missing here`);
          }
        }
      }
    }
    if (isInputObjectType(type) && isInputObjectType(real)) {
      const realFields = real.getFields();
      for (const f of Object.values(type.getFields())) {
        const rf = realFields[f.name];
        if (!rf) out.push(`input field ${type.name}.${f.name} is not in v29`);
        else if (String(f.type) !== String(rf.type))
          out.push(`${type.name}.${f.name}: ${String(f.type)} here, ${String(rf.type)} in v29`);
      }
      for (const rf of Object.values(realFields)) {
        if (isNonNullType(rf.type) && rf.defaultValue === undefined && !type.getFields()[rf.name]) {
          out.push(`required input field ${type.name}.${rf.name} is missing here`);
        }
      }
    }
    if (isScalarType(type) !== isScalarType(real)) out.push(`${type.name}: scalar mismatch`);
  }
  for (const op of ['getQueryType', 'getMutationType'] as const) {
    const mine = subset[op]();
    const theirs = v29[op]();
    if (mine && mine.name !== theirs?.name)
      out.push(`${op}: ${mine.name} here, ${String(theirs?.name)} in v29`);
  }
  return out;
}

describe('MO emulator schema is a subset of OS2mo v29', function () {
  it('every type, field, argument and input field exists in v29 with the same type', function () {
    if (!fs.existsSync(v29Path)) {
      if (process.env.CI)
        throw new Error(`The shared v29 schema is missing at ${v29Path}; CI must provide it`);
      console.log(`    (skipped: ${v29Path} is absent; set CI=1 to make this a failure)`);
      this.skip();
    }
    const v29 = buildSchema(fs.readFileSync(v29Path, 'utf8'));
    const subset = buildSchema(fs.readFileSync(subsetPath, 'utf8'));
    expect(Object.keys(subset.getQueryType()?.getFields() ?? {})).to.include.members([
      'org',
      'org_units',
      'persons',
      'employees',
      'engagements',
      'managers',
      'addresses',
      'itusers',
      'itsystems',
      'classes',
      'facets',
      'kles',
      'associations',
      'leaves',
      'related_units',
    ]);
    expect(differences(subset, v29)).to.deep.equal([]);
  });

  it('schema.graphql is what build-schema.ts makes of subset-spec.ts (regenerate after editing the list)', function () {
    if (!fs.existsSync(v29Path)) {
      if (process.env.CI)
        throw new Error(`The shared v29 schema is missing at ${v29Path}; CI must provide it`);
      console.log(`    (skipped: ${v29Path} is absent)`);
      this.skip();
    }
    const { sdl, problems } = extractSubset(fs.readFileSync(v29Path, 'utf8'));
    expect(problems).to.deep.equal([]);
    const normal = (text: string): string => printSchema(buildSchema(text));
    expect(normal(fs.readFileSync(subsetPath, 'utf8'))).to.equal(normal(sdl));
  });

  it('the comparison catches a field that v29 does not have and a changed nullability', function () {
    const v29 = buildSchema('type Query { a(x: Int): String!  b: Int }');
    const bad = buildSchema('type Query { a(x: Int!): String  c: Int }');
    expect(differences(bad, v29)).to.deep.equal([
      'Query.a: String here, String! in v29',
      'Query.a(x): Int! here, Int in v29',
      'field Query.c is not in v29',
    ]);
  });
});
