import {
  type SchemaOptions,
  type TLiteral,
  type TLiteralValue,
  type TSchema,
  type TUnion,
  Type
} from '@sinclair/typebox';

type Literals<T extends readonly TLiteralValue[]> = {
  [K in keyof T]: T[K] extends TLiteralValue ? TLiteral<T[K]> : never;
};

/** Schema options of a union of literals, its default one of them. */
export interface ILiteralsOptions<T extends TLiteralValue> extends SchemaOptions {
  default?: T;
  description?: string;
}

/**
 * `literals('a', 'b')` is `Type.Union([Type.Literal('a'), Type.Literal('b')])`; a last
 * argument of options (default, description) goes to the union:
 * `literals('a', 'b', { default: 'a' })`.
 */
export function literals<const T extends readonly TLiteralValue[]>(
  ...values: T
): TUnion<Literals<T> & TSchema[]>;
export function literals<const T extends readonly TLiteralValue[]>(
  ...args: [...T, ILiteralsOptions<T[number]>]
): TUnion<Literals<T> & TSchema[]>;
export function literals(
  ...args: (TLiteralValue | ILiteralsOptions<TLiteralValue>)[]
): TUnion<TSchema[]> {
  const last = args[args.length - 1];
  const options = typeof last === 'object' ? (last as SchemaOptions) : undefined;
  const values = (options ? args.slice(0, -1) : args) as TLiteralValue[];
  return Type.Union(
    values.map(v => Type.Literal(v)),
    options
  );
}
