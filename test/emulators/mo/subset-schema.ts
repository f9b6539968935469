/**
 * Cut the emulator's schema out of OS2mo's full schema, keeping the types and fields listed in
 * subset-spec.ts (descriptions dropped, deprecation reasons kept). Used by build-schema.ts and subset.test.ts.
 */
import {
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLInterfaceType,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLSchema,
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isNonNullType,
  isObjectType,
  isScalarType,
  printSchema,
  type GraphQLNamedType,
} from 'graphql';
import { SUBSET } from './subset-spec.js';

export function extractSubset(fullSdl: string): { sdl: string; problems: string[] } {
  const full = buildSchema(fullSdl);
  const built = new Map<string, GraphQLNamedType>();
  const problems: string[] = [];

  function keep(name: string): boolean {
    const t = full.getType(name);
    return !!t && (name in SUBSET || isScalarType(t) || isEnumType(t));
  }

  function convert(name: string): GraphQLNamedType {
    const existing = built.get(name);
    if (existing) return existing;
    const t = full.getType(name);
    if (!t) throw new Error(`${name} is not in the v29 schema`);
    let out: GraphQLNamedType;
    if (isScalarType(t)) {
      out =
        t.name === 'String' ||
        t.name === 'Int' ||
        t.name === 'Float' ||
        t.name === 'Boolean' ||
        t.name === 'ID'
          ? t
          : new GraphQLScalarType({ name: t.name });
    } else if (isEnumType(t)) {
      const c = t.toConfig();
      out = new GraphQLEnumType({
        name: c.name,
        values: Object.fromEntries(
          Object.entries(c.values).map(([k, v]) => [
            k,
            { value: v.value, deprecationReason: v.deprecationReason },
          ]),
        ),
      });
    } else if (isObjectType(t) || isInterfaceType(t)) {
      const c = t.toConfig();
      const wanted = SUBSET[name] ?? [];
      const Type = isObjectType(t) ? GraphQLObjectType : GraphQLInterfaceType;
      out = new Type({
        name,
        // interfaces implemented in v29 that the subset keeps too (Actor for SpecialActor, UnknownActor)
        interfaces: () =>
          c.interfaces.filter((i) => i.name in SUBSET).map((i) => convert(i.name) as GraphQLInterfaceType),
        fields: () =>
          Object.fromEntries(
            wanted.map((f) => {
              const fc = c.fields[f];
              if (!fc) {
                problems.push(`${name}.${f} is not in v29`);
                return [f, { type: convert('String') as GraphQLScalarType }];
              }
              const args = Object.fromEntries(
                Object.entries(fc.args ?? {})
                  .filter(([, a]) => {
                    const ok = keep(getNamedType(a.type).name);
                    if (!ok && isNonNullType(a.type) && a.defaultValue === undefined)
                      problems.push(`${name}.${f} needs argument type ${String(a.type)}`);
                    return ok;
                  })
                  .map(([an, a]) => [
                    an,
                    {
                      type: remap(a.type),
                      defaultValue: a.defaultValue,
                      deprecationReason: a.deprecationReason,
                    },
                  ]),
              );
              if (!keep(getNamedType(fc.type).name))
                problems.push(`${name}.${f} returns ${String(fc.type)}, not in the subset`);
              return [f, { type: remap(fc.type), args, deprecationReason: fc.deprecationReason }];
            }),
          ),
      });
    } else if (isInputObjectType(t)) {
      const c = t.toConfig();
      const wanted = SUBSET[name] ?? [];
      for (const [fn, fc] of Object.entries(c.fields)) {
        if (!wanted.includes(fn) && isNonNullType(fc.type) && fc.defaultValue === undefined)
          problems.push(`${name}.${fn} is required in v29`);
      }
      out = new GraphQLInputObjectType({
        name,
        fields: () =>
          Object.fromEntries(
            wanted.map((f) => {
              const fc = c.fields[f];
              if (!fc) throw new Error(`${name}.${f} is not in v29`);
              if (!keep(getNamedType(fc.type).name))
                problems.push(`${name}.${f} has type ${String(fc.type)}, not in the subset`);
              return [
                f,
                {
                  type: remap(fc.type),
                  defaultValue: fc.defaultValue,
                  deprecationReason: fc.deprecationReason,
                },
              ];
            }),
          ),
      });
    } else {
      throw new Error(`${name}: unsupported kind`);
    }
    built.set(name, out);
    return out;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  function remap(type: any): any {
    if (type.ofType) return new type.constructor(remap(type.ofType));
    return convert(type.name);
  }

  const schema = new GraphQLSchema({
    query: convert('Query') as GraphQLObjectType,
    mutation: convert('Mutation') as GraphQLObjectType,
    types: Object.keys(SUBSET).map(convert),
  });
  return { sdl: printSchema(schema), problems };
}
