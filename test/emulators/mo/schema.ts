import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  GraphQLError,
  Kind,
  buildSchema,
  isInterfaceType,
  isObjectType,
  isScalarType,
  type GraphQLSchema,
  type ValueNode,
} from 'graphql';
import { parseDateInput } from './dates.js';
import { resolveActorType } from './event-resolvers.js';
import { parseToken } from './events.js';
import { buildResolvers } from './resolvers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** schema.graphql sits next to the sources (tsx) and is looked up in the source tree from dist/. */
function schemaPath(): string {
  const candidates = [
    path.join(here, 'schema.graphql'),
    path.resolve(here, '../../../../test/emulators/mo/schema.graphql'),
  ];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`MO emulator: schema.graphql not found (looked in ${candidates.join(', ')})`);
  return found;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function literal(node: ValueNode): unknown {
  if (node.kind === Kind.STRING) return node.value;
  if (node.kind === Kind.INT) return Number(node.value);
  if (node.kind === Kind.BOOLEAN) return node.value;
  if (node.kind === Kind.NULL) return null;
  throw new GraphQLError(`Unexpected literal of kind ${node.kind}`);
}

const SCALARS: Record<string, (value: unknown) => unknown> = {
  UUID: (v) => {
    if (typeof v !== 'string' || !UUID_RE.test(v))
      throw new GraphQLError(`Invalid UUID: ${JSON.stringify(v)}`);
    return v.toLowerCase();
  },
  DateTime: (v) => {
    parseDateInput(v);
    return v;
  },
  Date: (v) => {
    if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v))
      throw new GraphQLError(`Invalid Date: ${JSON.stringify(v)}`);
    return v;
  },
  int: (v) => {
    if (typeof v !== 'number' || !Number.isInteger(v))
      throw new GraphQLError(`Invalid int: ${JSON.stringify(v)}`);
    return v;
  },
  CPR: (v) => {
    if (typeof v !== 'string' || !/^\d{6}-?\d{4}$/.test(v)) throw new GraphQLError('Invalid CPR number');
    return v.replace('-', '');
  },
  EventToken: (v) => parseToken(v),
  Cursor: (v) => {
    if (typeof v !== 'string') throw new GraphQLError('Invalid cursor');
    return v;
  },
};

let cached: GraphQLSchema | undefined;

/** The executable emulator schema: schema.graphql with resolvers and scalar parsing attached (built once). */
export function emulatorSchema(): GraphQLSchema {
  if (cached) return cached;
  const schema = buildSchema(fs.readFileSync(schemaPath(), 'utf8'));
  const resolvers = buildResolvers();
  for (const type of Object.values(schema.getTypeMap())) {
    if (isScalarType(type) && SCALARS[type.name]) {
      const parse = SCALARS[type.name] as (v: unknown) => unknown;
      type.parseValue = parse;
      type.parseLiteral = (node: ValueNode) => parse(literal(node));
    }
    if (isInterfaceType(type) && type.name === 'Actor')
      type.resolveType = (v) => resolveActorType(v as string);
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const fields = resolvers[type.name];
    if (!fields) continue;
    for (const [name, def] of Object.entries(type.getFields())) {
      const resolve = fields[name];
      if (!resolve) throw new Error(`MO emulator: no resolver for ${type.name}.${name}`);
      def.resolve = resolve as never;
    }
  }
  cached = schema;
  return schema;
}
