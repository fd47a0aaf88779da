import {
  type TLiteral,
  type TLiteralValue,
  type TSchema,
  type TUnion,
  Type
} from '@sinclair/typebox';

type Literals<T extends readonly TLiteralValue[]> = {
  [K in keyof T]: T[K] extends TLiteralValue ? TLiteral<T[K]> : never;
};

/** `literals('a', 'b')` is `Type.Union([Type.Literal('a'), Type.Literal('b')])`. */
export function literals<const T extends readonly TLiteralValue[]>(
  ...values: T
): TUnion<Literals<T> & TSchema[]> {
  return Type.Union(values.map(v => Type.Literal(v))) as unknown as TUnion<Literals<T> & TSchema[]>;
}
