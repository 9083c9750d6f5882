/* eslint-disable */
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type Maybe<T> = T | null;
export type InputMaybe<T> = T | null | undefined;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** A 64-bit signed integer, serialized as a string of digits; accepted as a string or an Int. */
  BigInt: { input: string; output: string; }
  /** A calendar date, YYYY-MM-DD. */
  Date: { input: string; output: string; }
  /** An instant, ISO-8601 in UTC (…Z) with up to microsecond precision. */
  DateTime: { input: string; output: string; }
};

/** Conditions on a BigInt field (eq, in); several are ANDed. */
export type BigIntEqInFilter = {
  /** Equal to. */
  eq?: InputMaybe<Scalars['BigInt']['input']>;
  /** One of the values. */
  in?: InputMaybe<Array<Scalars['BigInt']['input']>>;
  /** Not equal to (rows where the field is null do not match). */
  ne?: InputMaybe<Scalars['BigInt']['input']>;
  /** None of the values (rows where the field is null do not match). */
  notIn?: InputMaybe<Array<Scalars['BigInt']['input']>>;
};

/** Conditions on a BigInt field (eq, in, range); several are ANDed. */
export type BigIntEqInRangeFilter = {
  /** Equal to. */
  eq?: InputMaybe<Scalars['BigInt']['input']>;
  /** Greater than. */
  gt?: InputMaybe<Scalars['BigInt']['input']>;
  /** Greater than or equal to. */
  gte?: InputMaybe<Scalars['BigInt']['input']>;
  /** One of the values. */
  in?: InputMaybe<Array<Scalars['BigInt']['input']>>;
  /** Less than. */
  lt?: InputMaybe<Scalars['BigInt']['input']>;
  /** Less than or equal to. */
  lte?: InputMaybe<Scalars['BigInt']['input']>;
  /** Not equal to (rows where the field is null do not match). */
  ne?: InputMaybe<Scalars['BigInt']['input']>;
  /** None of the values (rows where the field is null do not match). */
  notIn?: InputMaybe<Array<Scalars['BigInt']['input']>>;
};

/** Conditions on a Boolean field (eq); several are ANDed. */
export type BooleanEqFilter = {
  /** Equal to. */
  eq?: InputMaybe<Scalars['Boolean']['input']>;
  /** Not equal to (rows where the field is null do not match). */
  ne?: InputMaybe<Scalars['Boolean']['input']>;
};

/** Conditions on a Boolean field (eq, null); several are ANDed. */
export type BooleanFilter = {
  /** Equal to. */
  eq?: InputMaybe<Scalars['Boolean']['input']>;
  /** true: the field is null; false: it is not. */
  isNull?: InputMaybe<Scalars['Boolean']['input']>;
  /** Not equal to (rows where the field is null do not match). */
  ne?: InputMaybe<Scalars['Boolean']['input']>;
};

/**
 * Customers, one row per customer account.
 *
 * Product customers 1.0.0, owned by crm-data@example.com.
 */
export type CustomersV1 = {
  __typename?: 'CustomersV1';
  /** ISO 3166 country code. */
  country: Scalars['String']['output'];
  /** Customer number. */
  customer_id: Scalars['BigInt']['output'];
  /** Contact e-mail address. */
  email?: Maybe<Scalars['String']['output']>;
  /** Whether the account is active. */
  is_active: Scalars['Boolean']['output'];
  /** Revenue to date; null while not yet computed. */
  lifetime_value?: Maybe<Scalars['Float']['output']>;
  /** Full name. */
  name: Scalars['String']['output'];
  /** The OrdersV2 rows with the same customer_id, as this session may see them; null (with an error) only when the relationship cannot be served to this session. */
  orders?: Maybe<OrdersV2Connection>;
  /** consumer, smb or enterprise. */
  segment: Scalars['String']['output'];
  /** Day the account was opened. */
  signup_date: Scalars['Date']['output'];
  /** Last change to the account (UTC). */
  updated_at: Scalars['DateTime']['output'];
};


/**
 * Customers, one row per customer account.
 *
 * Product customers 1.0.0, owned by crm-data@example.com.
 */
export type CustomersV1OrdersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
  orderBy?: InputMaybe<Array<OrdersV2OrderBy>>;
  where?: InputMaybe<OrdersV2Where>;
};

/** Averages per field over a group's non-null values; null when there is none. */
export type CustomersV1Avg = {
  __typename?: 'CustomersV1Avg';
  customer_id?: Maybe<Scalars['Float']['output']>;
  lifetime_value?: Maybe<Scalars['Float']['output']>;
};

/** A page of CustomersV1 rows. */
export type CustomersV1Connection = {
  __typename?: 'CustomersV1Connection';
  /** The same rows as `nodes`, each with its cursor. */
  edges: Array<CustomersV1Edge>;
  nodes: Array<CustomersV1>;
  pageInfo: PageInfo;
  /** Rows matching `where`, across all pages (computed only when selected). */
  totalCount: Scalars['Int']['output'];
};

/** One CustomersV1 row and its cursor (Relay cursor connections). */
export type CustomersV1Edge = {
  __typename?: 'CustomersV1Edge';
  /** Pass as `after` (with `first`) for the rows after this one, or as `before` (with `last`) for the rows before it. */
  cursor: Scalars['String']['output'];
  node: CustomersV1;
};

/** One group of CustomersV1 rows, as this session may see them (row filters applied, masked fields by their masked values). */
export type CustomersV1Group = {
  __typename?: 'CustomersV1Group';
  /** Averages of the numeric fields. */
  avg: CustomersV1Avg;
  /** Rows in the group. */
  count: Scalars['Int']['output'];
  /** The grouped fields; null without groupBy (one group of every row). */
  key?: Maybe<CustomersV1GroupKey>;
  /** Maxima of the ordered fields. */
  max: CustomersV1Max;
  /** Minima of the ordered fields. */
  min: CustomersV1Min;
  /** Sums of the numeric fields. */
  sum: CustomersV1Sum;
};

/** A field of CustomersV1 to group by. */
export type CustomersV1GroupField =
  /** ISO 3166 country code. */
  | 'country'
  /** Customer number. */
  | 'customer_id'
  /** Contact e-mail address. */
  | 'email'
  /** Whether the account is active. */
  | 'is_active'
  /** Revenue to date; null while not yet computed. */
  | 'lifetime_value'
  /** Full name. */
  | 'name'
  /** consumer, smb or enterprise. */
  | 'segment'
  /** Day the account was opened. */
  | 'signup_date'
  /** Last change to the account (UTC). */
  | 'updated_at';

/** The values a group of CustomersV1 rows shares; a field not in groupBy is null. */
export type CustomersV1GroupKey = {
  __typename?: 'CustomersV1GroupKey';
  country?: Maybe<Scalars['String']['output']>;
  customer_id?: Maybe<Scalars['BigInt']['output']>;
  email?: Maybe<Scalars['String']['output']>;
  is_active?: Maybe<Scalars['Boolean']['output']>;
  lifetime_value?: Maybe<Scalars['Float']['output']>;
  name?: Maybe<Scalars['String']['output']>;
  segment?: Maybe<Scalars['String']['output']>;
  signup_date?: Maybe<Scalars['Date']['output']>;
  updated_at?: Maybe<Scalars['DateTime']['output']>;
};

/** Largest non-null value per field in a group (strings by code point); null when there is none. */
export type CustomersV1Max = {
  __typename?: 'CustomersV1Max';
  country?: Maybe<Scalars['String']['output']>;
  customer_id?: Maybe<Scalars['BigInt']['output']>;
  email?: Maybe<Scalars['String']['output']>;
  lifetime_value?: Maybe<Scalars['Float']['output']>;
  name?: Maybe<Scalars['String']['output']>;
  segment?: Maybe<Scalars['String']['output']>;
  signup_date?: Maybe<Scalars['Date']['output']>;
  updated_at?: Maybe<Scalars['DateTime']['output']>;
};

/** Smallest non-null value per field in a group (strings by code point); null when there is none. */
export type CustomersV1Min = {
  __typename?: 'CustomersV1Min';
  country?: Maybe<Scalars['String']['output']>;
  customer_id?: Maybe<Scalars['BigInt']['output']>;
  email?: Maybe<Scalars['String']['output']>;
  lifetime_value?: Maybe<Scalars['Float']['output']>;
  name?: Maybe<Scalars['String']['output']>;
  segment?: Maybe<Scalars['String']['output']>;
  signup_date?: Maybe<Scalars['Date']['output']>;
  updated_at?: Maybe<Scalars['DateTime']['output']>;
};

/** One sort key per entry, e.g. { customer_id: DESC }; the primary key (customer_id) is always the final tie-breaker. */
export type CustomersV1OrderBy = {
  country?: InputMaybe<SortDirection>;
  customer_id?: InputMaybe<SortDirection>;
  is_active?: InputMaybe<SortDirection>;
  lifetime_value?: InputMaybe<SortDirection>;
  name?: InputMaybe<SortDirection>;
  segment?: InputMaybe<SortDirection>;
  signup_date?: InputMaybe<SortDirection>;
  updated_at?: InputMaybe<SortDirection>;
};

/** Sums per field over a group's non-null values (integers: exact, as BigInt); null when there is none. */
export type CustomersV1Sum = {
  __typename?: 'CustomersV1Sum';
  customer_id?: Maybe<Scalars['BigInt']['output']>;
  lifetime_value?: Maybe<Scalars['Float']['output']>;
};

/** Conditions on CustomersV1 rows. Fields and operators in one object are ANDed; nulls match no operator but isNull. */
export type CustomersV1Where = {
  /** All of these hold. */
  AND?: InputMaybe<Array<CustomersV1Where>>;
  /** This does not hold (SQL: rows whose compared field is null never match). */
  NOT?: InputMaybe<CustomersV1Where>;
  /** At least one of these holds. */
  OR?: InputMaybe<Array<CustomersV1Where>>;
  country?: InputMaybe<StringEqInFilter>;
  customer_id?: InputMaybe<BigIntEqInRangeFilter>;
  email?: InputMaybe<StringFilter>;
  is_active?: InputMaybe<BooleanEqFilter>;
  lifetime_value?: InputMaybe<FloatFilter>;
  name?: InputMaybe<StringEqInRangeTextFilter>;
  segment?: InputMaybe<StringEqInFilter>;
  signup_date?: InputMaybe<DateEqInRangeFilter>;
  updated_at?: InputMaybe<DateTimeEqInRangeFilter>;
};

/** Conditions on a Date field (eq, in, range); several are ANDed. */
export type DateEqInRangeFilter = {
  /** Equal to. */
  eq?: InputMaybe<Scalars['Date']['input']>;
  /** Greater than. */
  gt?: InputMaybe<Scalars['Date']['input']>;
  /** Greater than or equal to. */
  gte?: InputMaybe<Scalars['Date']['input']>;
  /** One of the values. */
  in?: InputMaybe<Array<Scalars['Date']['input']>>;
  /** Less than. */
  lt?: InputMaybe<Scalars['Date']['input']>;
  /** Less than or equal to. */
  lte?: InputMaybe<Scalars['Date']['input']>;
  /** Not equal to (rows where the field is null do not match). */
  ne?: InputMaybe<Scalars['Date']['input']>;
  /** None of the values (rows where the field is null do not match). */
  notIn?: InputMaybe<Array<Scalars['Date']['input']>>;
};

/** Conditions on a DateTime field (eq, in, range); several are ANDed. */
export type DateTimeEqInRangeFilter = {
  /** Equal to. */
  eq?: InputMaybe<Scalars['DateTime']['input']>;
  /** Greater than. */
  gt?: InputMaybe<Scalars['DateTime']['input']>;
  /** Greater than or equal to. */
  gte?: InputMaybe<Scalars['DateTime']['input']>;
  /** One of the values. */
  in?: InputMaybe<Array<Scalars['DateTime']['input']>>;
  /** Less than. */
  lt?: InputMaybe<Scalars['DateTime']['input']>;
  /** Less than or equal to. */
  lte?: InputMaybe<Scalars['DateTime']['input']>;
  /** Not equal to (rows where the field is null do not match). */
  ne?: InputMaybe<Scalars['DateTime']['input']>;
  /** None of the values (rows where the field is null do not match). */
  notIn?: InputMaybe<Array<Scalars['DateTime']['input']>>;
};

/** Conditions on a DateTime field (range); several are ANDed. */
export type DateTimeRangeFilter = {
  /** Greater than. */
  gt?: InputMaybe<Scalars['DateTime']['input']>;
  /** Greater than or equal to. */
  gte?: InputMaybe<Scalars['DateTime']['input']>;
  /** Less than. */
  lt?: InputMaybe<Scalars['DateTime']['input']>;
  /** Less than or equal to. */
  lte?: InputMaybe<Scalars['DateTime']['input']>;
};

/** Conditions on a Float field (eq, range); several are ANDed. */
export type FloatEqRangeFilter = {
  /** Equal to. */
  eq?: InputMaybe<Scalars['Float']['input']>;
  /** Greater than. */
  gt?: InputMaybe<Scalars['Float']['input']>;
  /** Greater than or equal to. */
  gte?: InputMaybe<Scalars['Float']['input']>;
  /** Less than. */
  lt?: InputMaybe<Scalars['Float']['input']>;
  /** Less than or equal to. */
  lte?: InputMaybe<Scalars['Float']['input']>;
  /** Not equal to (rows where the field is null do not match). */
  ne?: InputMaybe<Scalars['Float']['input']>;
};

/** Conditions on a Float field (eq, in, range, null); several are ANDed. */
export type FloatFilter = {
  /** Equal to. */
  eq?: InputMaybe<Scalars['Float']['input']>;
  /** Greater than. */
  gt?: InputMaybe<Scalars['Float']['input']>;
  /** Greater than or equal to. */
  gte?: InputMaybe<Scalars['Float']['input']>;
  /** One of the values. */
  in?: InputMaybe<Array<Scalars['Float']['input']>>;
  /** true: the field is null; false: it is not. */
  isNull?: InputMaybe<Scalars['Boolean']['input']>;
  /** Less than. */
  lt?: InputMaybe<Scalars['Float']['input']>;
  /** Less than or equal to. */
  lte?: InputMaybe<Scalars['Float']['input']>;
  /** Not equal to (rows where the field is null do not match). */
  ne?: InputMaybe<Scalars['Float']['input']>;
  /** None of the values (rows where the field is null do not match). */
  notIn?: InputMaybe<Array<Scalars['Float']['input']>>;
};

/** Conditions on a Int field (eq, in, range); several are ANDed. */
export type IntEqInRangeFilter = {
  /** Equal to. */
  eq?: InputMaybe<Scalars['Int']['input']>;
  /** Greater than. */
  gt?: InputMaybe<Scalars['Int']['input']>;
  /** Greater than or equal to. */
  gte?: InputMaybe<Scalars['Int']['input']>;
  /** One of the values. */
  in?: InputMaybe<Array<Scalars['Int']['input']>>;
  /** Less than. */
  lt?: InputMaybe<Scalars['Int']['input']>;
  /** Less than or equal to. */
  lte?: InputMaybe<Scalars['Int']['input']>;
  /** Not equal to (rows where the field is null do not match). */
  ne?: InputMaybe<Scalars['Int']['input']>;
  /** None of the values (rows where the field is null do not match). */
  notIn?: InputMaybe<Array<Scalars['Int']['input']>>;
};

/** Conditions on a Int field (eq, in, range, null); several are ANDed. */
export type IntFilter = {
  /** Equal to. */
  eq?: InputMaybe<Scalars['Int']['input']>;
  /** Greater than. */
  gt?: InputMaybe<Scalars['Int']['input']>;
  /** Greater than or equal to. */
  gte?: InputMaybe<Scalars['Int']['input']>;
  /** One of the values. */
  in?: InputMaybe<Array<Scalars['Int']['input']>>;
  /** true: the field is null; false: it is not. */
  isNull?: InputMaybe<Scalars['Boolean']['input']>;
  /** Less than. */
  lt?: InputMaybe<Scalars['Int']['input']>;
  /** Less than or equal to. */
  lte?: InputMaybe<Scalars['Int']['input']>;
  /** Not equal to (rows where the field is null do not match). */
  ne?: InputMaybe<Scalars['Int']['input']>;
  /** None of the values (rows where the field is null do not match). */
  notIn?: InputMaybe<Array<Scalars['Int']['input']>>;
};

/**
 * Order status changes, one row per change (placed, paid, packed, shipped, delivered, returned, cancelled), from an Apache Iceberg table with five snapshots.
 *
 * Product order_events 1.0.0, owned by fulfilment-data@example.com.
 */
export type OrderEventsV1 = {
  __typename?: 'OrderEventsV1';
  /** Carrier that took the order; null before it was shipped. */
  carrier?: Maybe<Scalars['String']['output']>;
  /** Event number, unique; order_id * 10 + the step of the order's life. */
  event_id: Scalars['BigInt']['output'];
  /** Moment of the change (UTC). */
  event_time: Scalars['DateTime']['output'];
  /** For deliveries, whether the parcel took more than three days; null for other events. */
  is_late?: Maybe<Scalars['Boolean']['output']>;
  /** The OrdersV2 row with the same order_id; null when there is none, or none this session may see. */
  order?: Maybe<OrdersV2>;
  /** The order whose status changed. */
  order_id: Scalars['BigInt']['output'];
  /** Number of parcels; null before the order was packed. */
  parcels?: Maybe<Scalars['Int']['output']>;
  /** Sales region of the order (EU, US, APAC, LATAM); the table is partitioned by it. */
  region: Scalars['String']['output'];
  /** The status the order entered. */
  status: Scalars['String']['output'];
  /** Warehouse that packed the order; null before it was packed. */
  warehouse?: Maybe<Scalars['String']['output']>;
};

/** Averages per field over a group's non-null values; null when there is none. */
export type OrderEventsV1Avg = {
  __typename?: 'OrderEventsV1Avg';
  event_id?: Maybe<Scalars['Float']['output']>;
  order_id?: Maybe<Scalars['Float']['output']>;
  parcels?: Maybe<Scalars['Float']['output']>;
};

/** A page of OrderEventsV1 rows. */
export type OrderEventsV1Connection = {
  __typename?: 'OrderEventsV1Connection';
  /** The same rows as `nodes`, each with its cursor. */
  edges: Array<OrderEventsV1Edge>;
  nodes: Array<OrderEventsV1>;
  pageInfo: PageInfo;
  /** Rows matching `where`, across all pages (computed only when selected). */
  totalCount: Scalars['Int']['output'];
};

/** One OrderEventsV1 row and its cursor (Relay cursor connections). */
export type OrderEventsV1Edge = {
  __typename?: 'OrderEventsV1Edge';
  /** Pass as `after` (with `first`) for the rows after this one, or as `before` (with `last`) for the rows before it. */
  cursor: Scalars['String']['output'];
  node: OrderEventsV1;
};

/** One group of OrderEventsV1 rows, as this session may see them (row filters applied, masked fields by their masked values). */
export type OrderEventsV1Group = {
  __typename?: 'OrderEventsV1Group';
  /** Averages of the numeric fields. */
  avg: OrderEventsV1Avg;
  /** Rows in the group. */
  count: Scalars['Int']['output'];
  /** The grouped fields; null without groupBy (one group of every row). */
  key?: Maybe<OrderEventsV1GroupKey>;
  /** Maxima of the ordered fields. */
  max: OrderEventsV1Max;
  /** Minima of the ordered fields. */
  min: OrderEventsV1Min;
  /** Sums of the numeric fields. */
  sum: OrderEventsV1Sum;
};

/** A field of OrderEventsV1 to group by. */
export type OrderEventsV1GroupField =
  /** Carrier that took the order; null before it was shipped. */
  | 'carrier'
  /** Event number, unique; order_id * 10 + the step of the order's life. */
  | 'event_id'
  /** Moment of the change (UTC). */
  | 'event_time'
  /** For deliveries, whether the parcel took more than three days; null for other events. */
  | 'is_late'
  /** The order whose status changed. */
  | 'order_id'
  /** Number of parcels; null before the order was packed. */
  | 'parcels'
  /** Sales region of the order (EU, US, APAC, LATAM); the table is partitioned by it. */
  | 'region'
  /** The status the order entered. */
  | 'status'
  /** Warehouse that packed the order; null before it was packed. */
  | 'warehouse';

/** The values a group of OrderEventsV1 rows shares; a field not in groupBy is null. */
export type OrderEventsV1GroupKey = {
  __typename?: 'OrderEventsV1GroupKey';
  carrier?: Maybe<Scalars['String']['output']>;
  event_id?: Maybe<Scalars['BigInt']['output']>;
  event_time?: Maybe<Scalars['DateTime']['output']>;
  is_late?: Maybe<Scalars['Boolean']['output']>;
  order_id?: Maybe<Scalars['BigInt']['output']>;
  parcels?: Maybe<Scalars['Int']['output']>;
  region?: Maybe<Scalars['String']['output']>;
  status?: Maybe<Scalars['String']['output']>;
  warehouse?: Maybe<Scalars['String']['output']>;
};

/** Largest non-null value per field in a group (strings by code point); null when there is none. */
export type OrderEventsV1Max = {
  __typename?: 'OrderEventsV1Max';
  carrier?: Maybe<Scalars['String']['output']>;
  event_id?: Maybe<Scalars['BigInt']['output']>;
  event_time?: Maybe<Scalars['DateTime']['output']>;
  order_id?: Maybe<Scalars['BigInt']['output']>;
  parcels?: Maybe<Scalars['Int']['output']>;
  region?: Maybe<Scalars['String']['output']>;
  status?: Maybe<Scalars['String']['output']>;
  warehouse?: Maybe<Scalars['String']['output']>;
};

/** Smallest non-null value per field in a group (strings by code point); null when there is none. */
export type OrderEventsV1Min = {
  __typename?: 'OrderEventsV1Min';
  carrier?: Maybe<Scalars['String']['output']>;
  event_id?: Maybe<Scalars['BigInt']['output']>;
  event_time?: Maybe<Scalars['DateTime']['output']>;
  order_id?: Maybe<Scalars['BigInt']['output']>;
  parcels?: Maybe<Scalars['Int']['output']>;
  region?: Maybe<Scalars['String']['output']>;
  status?: Maybe<Scalars['String']['output']>;
  warehouse?: Maybe<Scalars['String']['output']>;
};

/** One sort key per entry, e.g. { event_id: DESC }; the primary key (event_id) is always the final tie-breaker. */
export type OrderEventsV1OrderBy = {
  carrier?: InputMaybe<SortDirection>;
  event_id?: InputMaybe<SortDirection>;
  event_time?: InputMaybe<SortDirection>;
  is_late?: InputMaybe<SortDirection>;
  order_id?: InputMaybe<SortDirection>;
  parcels?: InputMaybe<SortDirection>;
  region?: InputMaybe<SortDirection>;
  status?: InputMaybe<SortDirection>;
  warehouse?: InputMaybe<SortDirection>;
};

/** Sums per field over a group's non-null values (integers: exact, as BigInt); null when there is none. */
export type OrderEventsV1Sum = {
  __typename?: 'OrderEventsV1Sum';
  event_id?: Maybe<Scalars['BigInt']['output']>;
  order_id?: Maybe<Scalars['BigInt']['output']>;
  parcels?: Maybe<Scalars['BigInt']['output']>;
};

/** Conditions on OrderEventsV1 rows. Fields and operators in one object are ANDed; nulls match no operator but isNull. */
export type OrderEventsV1Where = {
  /** All of these hold. */
  AND?: InputMaybe<Array<OrderEventsV1Where>>;
  /** This does not hold (SQL: rows whose compared field is null never match). */
  NOT?: InputMaybe<OrderEventsV1Where>;
  /** At least one of these holds. */
  OR?: InputMaybe<Array<OrderEventsV1Where>>;
  carrier?: InputMaybe<StringEqInNullFilter>;
  event_id?: InputMaybe<BigIntEqInRangeFilter>;
  event_time?: InputMaybe<DateTimeRangeFilter>;
  is_late?: InputMaybe<BooleanFilter>;
  order_id?: InputMaybe<BigIntEqInFilter>;
  parcels?: InputMaybe<IntFilter>;
  region?: InputMaybe<StringEqInFilter>;
  status?: InputMaybe<StringEqInFilter>;
  warehouse?: InputMaybe<StringEqInNullFilter>;
};

/**
 * Customer orders, one row per order. Superseded by v2 (amount renamed to total_amount; currency and notes added).
 *
 * Product orders 1.4.0, owned by sales-data@example.com.
 */
export type OrdersV1 = {
  __typename?: 'OrdersV1';
  /** Order total in the order's currency. */
  amount: Scalars['Float']['output'];
  /** Moment the order was recorded (UTC). */
  created_at: Scalars['DateTime']['output'];
  /** The customer who placed the order. */
  customer_id: Scalars['BigInt']['output'];
  /** Buyer's e-mail address. */
  email?: Maybe<Scalars['String']['output']>;
  /** Whether the order was marked as a gift; unknown for older orders. */
  is_gift?: Maybe<Scalars['Boolean']['output']>;
  /** Day the order was placed (UTC). */
  order_date: Scalars['Date']['output'];
  /** Order number, unique and increasing. */
  order_id: Scalars['BigInt']['output'];
  /** Number of items. */
  quantity: Scalars['Int']['output'];
  /** Sales region (EU, US, APAC, LATAM). */
  region: Scalars['String']['output'];
  /** Fulfilment status. */
  status: Scalars['String']['output'];
};

/** Averages per field over a group's non-null values; null when there is none. */
export type OrdersV1Avg = {
  __typename?: 'OrdersV1Avg';
  amount?: Maybe<Scalars['Float']['output']>;
  customer_id?: Maybe<Scalars['Float']['output']>;
  order_id?: Maybe<Scalars['Float']['output']>;
  quantity?: Maybe<Scalars['Float']['output']>;
};

/** A page of OrdersV1 rows. */
export type OrdersV1Connection = {
  __typename?: 'OrdersV1Connection';
  /** The same rows as `nodes`, each with its cursor. */
  edges: Array<OrdersV1Edge>;
  nodes: Array<OrdersV1>;
  pageInfo: PageInfo;
  /** Rows matching `where`, across all pages (computed only when selected). */
  totalCount: Scalars['Int']['output'];
};

/** One OrdersV1 row and its cursor (Relay cursor connections). */
export type OrdersV1Edge = {
  __typename?: 'OrdersV1Edge';
  /** Pass as `after` (with `first`) for the rows after this one, or as `before` (with `last`) for the rows before it. */
  cursor: Scalars['String']['output'];
  node: OrdersV1;
};

/** One group of OrdersV1 rows, as this session may see them (row filters applied, masked fields by their masked values). */
export type OrdersV1Group = {
  __typename?: 'OrdersV1Group';
  /** Averages of the numeric fields. */
  avg: OrdersV1Avg;
  /** Rows in the group. */
  count: Scalars['Int']['output'];
  /** The grouped fields; null without groupBy (one group of every row). */
  key?: Maybe<OrdersV1GroupKey>;
  /** Maxima of the ordered fields. */
  max: OrdersV1Max;
  /** Minima of the ordered fields. */
  min: OrdersV1Min;
  /** Sums of the numeric fields. */
  sum: OrdersV1Sum;
};

/** A field of OrdersV1 to group by. */
export type OrdersV1GroupField =
  /** Order total in the order's currency. */
  | 'amount'
  /** Moment the order was recorded (UTC). */
  | 'created_at'
  /** The customer who placed the order. */
  | 'customer_id'
  /** Buyer's e-mail address. */
  | 'email'
  /** Whether the order was marked as a gift; unknown for older orders. */
  | 'is_gift'
  /** Day the order was placed (UTC). */
  | 'order_date'
  /** Order number, unique and increasing. */
  | 'order_id'
  /** Number of items. */
  | 'quantity'
  /** Sales region (EU, US, APAC, LATAM). */
  | 'region'
  /** Fulfilment status. */
  | 'status';

/** The values a group of OrdersV1 rows shares; a field not in groupBy is null. */
export type OrdersV1GroupKey = {
  __typename?: 'OrdersV1GroupKey';
  amount?: Maybe<Scalars['Float']['output']>;
  created_at?: Maybe<Scalars['DateTime']['output']>;
  customer_id?: Maybe<Scalars['BigInt']['output']>;
  email?: Maybe<Scalars['String']['output']>;
  is_gift?: Maybe<Scalars['Boolean']['output']>;
  order_date?: Maybe<Scalars['Date']['output']>;
  order_id?: Maybe<Scalars['BigInt']['output']>;
  quantity?: Maybe<Scalars['Int']['output']>;
  region?: Maybe<Scalars['String']['output']>;
  status?: Maybe<Scalars['String']['output']>;
};

/** Largest non-null value per field in a group (strings by code point); null when there is none. */
export type OrdersV1Max = {
  __typename?: 'OrdersV1Max';
  amount?: Maybe<Scalars['Float']['output']>;
  created_at?: Maybe<Scalars['DateTime']['output']>;
  customer_id?: Maybe<Scalars['BigInt']['output']>;
  email?: Maybe<Scalars['String']['output']>;
  order_date?: Maybe<Scalars['Date']['output']>;
  order_id?: Maybe<Scalars['BigInt']['output']>;
  quantity?: Maybe<Scalars['Int']['output']>;
  region?: Maybe<Scalars['String']['output']>;
  status?: Maybe<Scalars['String']['output']>;
};

/** Smallest non-null value per field in a group (strings by code point); null when there is none. */
export type OrdersV1Min = {
  __typename?: 'OrdersV1Min';
  amount?: Maybe<Scalars['Float']['output']>;
  created_at?: Maybe<Scalars['DateTime']['output']>;
  customer_id?: Maybe<Scalars['BigInt']['output']>;
  email?: Maybe<Scalars['String']['output']>;
  order_date?: Maybe<Scalars['Date']['output']>;
  order_id?: Maybe<Scalars['BigInt']['output']>;
  quantity?: Maybe<Scalars['Int']['output']>;
  region?: Maybe<Scalars['String']['output']>;
  status?: Maybe<Scalars['String']['output']>;
};

/** One sort key per entry, e.g. { order_id: DESC }; the primary key (order_id) is always the final tie-breaker. */
export type OrdersV1OrderBy = {
  amount?: InputMaybe<SortDirection>;
  created_at?: InputMaybe<SortDirection>;
  customer_id?: InputMaybe<SortDirection>;
  is_gift?: InputMaybe<SortDirection>;
  order_date?: InputMaybe<SortDirection>;
  order_id?: InputMaybe<SortDirection>;
  quantity?: InputMaybe<SortDirection>;
  region?: InputMaybe<SortDirection>;
  status?: InputMaybe<SortDirection>;
};

/** Sums per field over a group's non-null values (integers: exact, as BigInt); null when there is none. */
export type OrdersV1Sum = {
  __typename?: 'OrdersV1Sum';
  amount?: Maybe<Scalars['Float']['output']>;
  customer_id?: Maybe<Scalars['BigInt']['output']>;
  order_id?: Maybe<Scalars['BigInt']['output']>;
  quantity?: Maybe<Scalars['BigInt']['output']>;
};

/** Conditions on OrdersV1 rows. Fields and operators in one object are ANDed; nulls match no operator but isNull. */
export type OrdersV1Where = {
  /** All of these hold. */
  AND?: InputMaybe<Array<OrdersV1Where>>;
  /** This does not hold (SQL: rows whose compared field is null never match). */
  NOT?: InputMaybe<OrdersV1Where>;
  /** At least one of these holds. */
  OR?: InputMaybe<Array<OrdersV1Where>>;
  amount?: InputMaybe<FloatEqRangeFilter>;
  created_at?: InputMaybe<DateTimeEqInRangeFilter>;
  customer_id?: InputMaybe<BigIntEqInFilter>;
  email?: InputMaybe<StringEqNullFilter>;
  is_gift?: InputMaybe<BooleanFilter>;
  order_date?: InputMaybe<DateEqInRangeFilter>;
  order_id?: InputMaybe<BigIntEqInRangeFilter>;
  quantity?: InputMaybe<IntEqInRangeFilter>;
  region?: InputMaybe<StringEqInFilter>;
  status?: InputMaybe<StringEqInRangeTextFilter>;
};

/**
 * Customer orders, one row per order.
 *
 * Product orders 2.1.0, owned by sales-data@example.com.
 */
export type OrdersV2 = {
  __typename?: 'OrdersV2';
  /** Moment the order was recorded (UTC). */
  created_at: Scalars['DateTime']['output'];
  /** ISO 4217 currency code of total_amount. */
  currency: Scalars['String']['output'];
  /** The CustomersV1 row with the same customer_id; null when there is none, or none this session may see. */
  customer?: Maybe<CustomersV1>;
  /** The customer who placed the order. */
  customer_id: Scalars['BigInt']['output'];
  /** Buyer's e-mail address. */
  email?: Maybe<Scalars['String']['output']>;
  /**
   * Whether the order was marked as a gift; unknown for older orders.
   * @deprecated always null before 2023; use the gift_wrap product instead
   */
  is_gift?: Maybe<Scalars['Boolean']['output']>;
  /** Free-text delivery notes. */
  notes?: Maybe<Scalars['String']['output']>;
  /** Day the order was placed (UTC). */
  order_date: Scalars['Date']['output'];
  /** Order number, unique and increasing. */
  order_id: Scalars['BigInt']['output'];
  /** Number of items. */
  quantity: Scalars['Int']['output'];
  /** Sales region (EU, US, APAC, LATAM). */
  region: Scalars['String']['output'];
  /** Fulfilment status (open, shipped, delivered, cancelled, returned). */
  status: Scalars['String']['output'];
  /** Order total in `currency`. */
  total_amount: Scalars['Float']['output'];
};

/** Averages per field over a group's non-null values; null when there is none. */
export type OrdersV2Avg = {
  __typename?: 'OrdersV2Avg';
  customer_id?: Maybe<Scalars['Float']['output']>;
  order_id?: Maybe<Scalars['Float']['output']>;
  quantity?: Maybe<Scalars['Float']['output']>;
  total_amount?: Maybe<Scalars['Float']['output']>;
};

/** A page of OrdersV2 rows. */
export type OrdersV2Connection = {
  __typename?: 'OrdersV2Connection';
  /** The same rows as `nodes`, each with its cursor. */
  edges: Array<OrdersV2Edge>;
  nodes: Array<OrdersV2>;
  pageInfo: PageInfo;
  /** Rows matching `where`, across all pages (computed only when selected). */
  totalCount: Scalars['Int']['output'];
};

/** One OrdersV2 row and its cursor (Relay cursor connections). */
export type OrdersV2Edge = {
  __typename?: 'OrdersV2Edge';
  /** Pass as `after` (with `first`) for the rows after this one, or as `before` (with `last`) for the rows before it. */
  cursor: Scalars['String']['output'];
  node: OrdersV2;
};

/** One group of OrdersV2 rows, as this session may see them (row filters applied, masked fields by their masked values). */
export type OrdersV2Group = {
  __typename?: 'OrdersV2Group';
  /** Averages of the numeric fields. */
  avg: OrdersV2Avg;
  /** Rows in the group. */
  count: Scalars['Int']['output'];
  /** The grouped fields; null without groupBy (one group of every row). */
  key?: Maybe<OrdersV2GroupKey>;
  /** Maxima of the ordered fields. */
  max: OrdersV2Max;
  /** Minima of the ordered fields. */
  min: OrdersV2Min;
  /** Sums of the numeric fields. */
  sum: OrdersV2Sum;
};

/** A field of OrdersV2 to group by. */
export type OrdersV2GroupField =
  /** Moment the order was recorded (UTC). */
  | 'created_at'
  /** ISO 4217 currency code of total_amount. */
  | 'currency'
  /** The customer who placed the order. */
  | 'customer_id'
  /** Buyer's e-mail address. */
  | 'email'
  /** Whether the order was marked as a gift; unknown for older orders. */
  | 'is_gift'
  /** Free-text delivery notes. */
  | 'notes'
  /** Day the order was placed (UTC). */
  | 'order_date'
  /** Order number, unique and increasing. */
  | 'order_id'
  /** Number of items. */
  | 'quantity'
  /** Sales region (EU, US, APAC, LATAM). */
  | 'region'
  /** Fulfilment status (open, shipped, delivered, cancelled, returned). */
  | 'status'
  /** Order total in `currency`. */
  | 'total_amount';

/** The values a group of OrdersV2 rows shares; a field not in groupBy is null. */
export type OrdersV2GroupKey = {
  __typename?: 'OrdersV2GroupKey';
  created_at?: Maybe<Scalars['DateTime']['output']>;
  currency?: Maybe<Scalars['String']['output']>;
  customer_id?: Maybe<Scalars['BigInt']['output']>;
  email?: Maybe<Scalars['String']['output']>;
  /** @deprecated always null before 2023; use the gift_wrap product instead */
  is_gift?: Maybe<Scalars['Boolean']['output']>;
  notes?: Maybe<Scalars['String']['output']>;
  order_date?: Maybe<Scalars['Date']['output']>;
  order_id?: Maybe<Scalars['BigInt']['output']>;
  quantity?: Maybe<Scalars['Int']['output']>;
  region?: Maybe<Scalars['String']['output']>;
  status?: Maybe<Scalars['String']['output']>;
  total_amount?: Maybe<Scalars['Float']['output']>;
};

/** Largest non-null value per field in a group (strings by code point); null when there is none. */
export type OrdersV2Max = {
  __typename?: 'OrdersV2Max';
  created_at?: Maybe<Scalars['DateTime']['output']>;
  currency?: Maybe<Scalars['String']['output']>;
  customer_id?: Maybe<Scalars['BigInt']['output']>;
  email?: Maybe<Scalars['String']['output']>;
  notes?: Maybe<Scalars['String']['output']>;
  order_date?: Maybe<Scalars['Date']['output']>;
  order_id?: Maybe<Scalars['BigInt']['output']>;
  quantity?: Maybe<Scalars['Int']['output']>;
  region?: Maybe<Scalars['String']['output']>;
  status?: Maybe<Scalars['String']['output']>;
  total_amount?: Maybe<Scalars['Float']['output']>;
};

/** Smallest non-null value per field in a group (strings by code point); null when there is none. */
export type OrdersV2Min = {
  __typename?: 'OrdersV2Min';
  created_at?: Maybe<Scalars['DateTime']['output']>;
  currency?: Maybe<Scalars['String']['output']>;
  customer_id?: Maybe<Scalars['BigInt']['output']>;
  email?: Maybe<Scalars['String']['output']>;
  notes?: Maybe<Scalars['String']['output']>;
  order_date?: Maybe<Scalars['Date']['output']>;
  order_id?: Maybe<Scalars['BigInt']['output']>;
  quantity?: Maybe<Scalars['Int']['output']>;
  region?: Maybe<Scalars['String']['output']>;
  status?: Maybe<Scalars['String']['output']>;
  total_amount?: Maybe<Scalars['Float']['output']>;
};

/** One sort key per entry, e.g. { order_id: DESC }; the primary key (order_id) is always the final tie-breaker. */
export type OrdersV2OrderBy = {
  created_at?: InputMaybe<SortDirection>;
  currency?: InputMaybe<SortDirection>;
  customer_id?: InputMaybe<SortDirection>;
  is_gift?: InputMaybe<SortDirection>;
  order_date?: InputMaybe<SortDirection>;
  order_id?: InputMaybe<SortDirection>;
  quantity?: InputMaybe<SortDirection>;
  region?: InputMaybe<SortDirection>;
  status?: InputMaybe<SortDirection>;
  total_amount?: InputMaybe<SortDirection>;
};

/** Sums per field over a group's non-null values (integers: exact, as BigInt); null when there is none. */
export type OrdersV2Sum = {
  __typename?: 'OrdersV2Sum';
  customer_id?: Maybe<Scalars['BigInt']['output']>;
  order_id?: Maybe<Scalars['BigInt']['output']>;
  quantity?: Maybe<Scalars['BigInt']['output']>;
  total_amount?: Maybe<Scalars['Float']['output']>;
};

/** Conditions on OrdersV2 rows. Fields and operators in one object are ANDed; nulls match no operator but isNull. */
export type OrdersV2Where = {
  /** All of these hold. */
  AND?: InputMaybe<Array<OrdersV2Where>>;
  /** This does not hold (SQL: rows whose compared field is null never match). */
  NOT?: InputMaybe<OrdersV2Where>;
  /** At least one of these holds. */
  OR?: InputMaybe<Array<OrdersV2Where>>;
  created_at?: InputMaybe<DateTimeEqInRangeFilter>;
  currency?: InputMaybe<StringEqInFilter>;
  customer_id?: InputMaybe<BigIntEqInFilter>;
  email?: InputMaybe<StringEqNullFilter>;
  is_gift?: InputMaybe<BooleanFilter>;
  notes?: InputMaybe<StringTextNullFilter>;
  order_date?: InputMaybe<DateEqInRangeFilter>;
  order_id?: InputMaybe<BigIntEqInRangeFilter>;
  quantity?: InputMaybe<IntEqInRangeFilter>;
  region?: InputMaybe<StringEqInFilter>;
  status?: InputMaybe<StringEqInRangeTextFilter>;
  total_amount?: InputMaybe<FloatEqRangeFilter>;
};

/** Where a page starts and ends, and whether rows come before or after it (Relay cursor connections). */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** The cursor of the last row: pass as `after` (with `first`) for the page after; null on an empty page. */
  endCursor?: Maybe<Scalars['String']['output']>;
  /** Whether rows follow this page (paging backward: whether any row sorts at or after `before`). */
  hasNextPage: Scalars['Boolean']['output'];
  /** Whether rows precede this page (paging forward: whether any row sorts at or before `after`, or `offset` skipped any). */
  hasPreviousPage: Scalars['Boolean']['output'];
  /** The cursor of the first row: pass as `before` (with `last`) for the page before; null on an empty page. */
  startCursor?: Maybe<Scalars['String']['output']>;
};

/** Data products, one root field per served major version. */
export type Query = {
  __typename?: 'Query';
  /** Customers, one row per customer account. */
  customersV1: CustomersV1Connection;
  /** Counts, sums, averages, minima and maxima of CustomersV1 rows matching where, per group of the groupBy fields, groups ordered by their key (nulls last). Needs a policy allowing aggregation; at most 1000 groups (more is a RESOURCE_LIMIT error). */
  customersV1Aggregate: Array<CustomersV1Group>;
  /** The CustomersV1 row whose primary key (customer_id) is given; null when there is none, or none this session may see. */
  customersV1ByKey?: Maybe<CustomersV1>;
  /** Order status changes, one row per change (placed, paid, packed, shipped, delivered, returned, cancelled), from an Apache Iceberg table with five snapshots. */
  orderEventsV1: OrderEventsV1Connection;
  /** Counts, sums, averages, minima and maxima of OrderEventsV1 rows matching where, per group of the groupBy fields, groups ordered by their key (nulls last). Needs a policy allowing aggregation; at most 1000 groups (more is a RESOURCE_LIMIT error). */
  orderEventsV1Aggregate: Array<OrderEventsV1Group>;
  /** The OrderEventsV1 row whose primary key (event_id) is given; null when there is none, or none this session may see. */
  orderEventsV1ByKey?: Maybe<OrderEventsV1>;
  /**
   * Customer orders, one row per order. Superseded by v2 (amount renamed to total_amount; currency and notes added).
   * @deprecated use ordersV2; sunset 2027-06-30
   */
  ordersV1: OrdersV1Connection;
  /**
   * Counts, sums, averages, minima and maxima of OrdersV1 rows matching where, per group of the groupBy fields, groups ordered by their key (nulls last). Needs a policy allowing aggregation; at most 1000 groups (more is a RESOURCE_LIMIT error).
   * @deprecated use ordersV2; sunset 2027-06-30
   */
  ordersV1Aggregate: Array<OrdersV1Group>;
  /**
   * The OrdersV1 row whose primary key (order_id) is given; null when there is none, or none this session may see.
   * @deprecated use ordersV2; sunset 2027-06-30
   */
  ordersV1ByKey?: Maybe<OrdersV1>;
  /** Customer orders, one row per order. */
  ordersV2: OrdersV2Connection;
  /** Counts, sums, averages, minima and maxima of OrdersV2 rows matching where, per group of the groupBy fields, groups ordered by their key (nulls last). Needs a policy allowing aggregation; at most 1000 groups (more is a RESOURCE_LIMIT error). */
  ordersV2Aggregate: Array<OrdersV2Group>;
  /** The OrdersV2 row whose primary key (order_id) is given; null when there is none, or none this session may see. */
  ordersV2ByKey?: Maybe<OrdersV2>;
};


/** Data products, one root field per served major version. */
export type QueryCustomersV1Args = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
  offset?: InputMaybe<Scalars['Int']['input']>;
  orderBy?: InputMaybe<Array<CustomersV1OrderBy>>;
  where?: InputMaybe<CustomersV1Where>;
};


/** Data products, one root field per served major version. */
export type QueryCustomersV1AggregateArgs = {
  groupBy?: InputMaybe<Array<CustomersV1GroupField>>;
  where?: InputMaybe<CustomersV1Where>;
};


/** Data products, one root field per served major version. */
export type QueryCustomersV1ByKeyArgs = {
  customer_id: Scalars['BigInt']['input'];
};


/** Data products, one root field per served major version. */
export type QueryOrderEventsV1Args = {
  after?: InputMaybe<Scalars['String']['input']>;
  asOf?: InputMaybe<SnapshotSelector>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
  offset?: InputMaybe<Scalars['Int']['input']>;
  orderBy?: InputMaybe<Array<OrderEventsV1OrderBy>>;
  where?: InputMaybe<OrderEventsV1Where>;
};


/** Data products, one root field per served major version. */
export type QueryOrderEventsV1AggregateArgs = {
  asOf?: InputMaybe<SnapshotSelector>;
  groupBy?: InputMaybe<Array<OrderEventsV1GroupField>>;
  where?: InputMaybe<OrderEventsV1Where>;
};


/** Data products, one root field per served major version. */
export type QueryOrderEventsV1ByKeyArgs = {
  asOf?: InputMaybe<SnapshotSelector>;
  event_id: Scalars['BigInt']['input'];
};


/** Data products, one root field per served major version. */
export type QueryOrdersV1Args = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
  offset?: InputMaybe<Scalars['Int']['input']>;
  orderBy?: InputMaybe<Array<OrdersV1OrderBy>>;
  where?: InputMaybe<OrdersV1Where>;
};


/** Data products, one root field per served major version. */
export type QueryOrdersV1AggregateArgs = {
  groupBy?: InputMaybe<Array<OrdersV1GroupField>>;
  where?: InputMaybe<OrdersV1Where>;
};


/** Data products, one root field per served major version. */
export type QueryOrdersV1ByKeyArgs = {
  order_id: Scalars['BigInt']['input'];
};


/** Data products, one root field per served major version. */
export type QueryOrdersV2Args = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
  offset?: InputMaybe<Scalars['Int']['input']>;
  orderBy?: InputMaybe<Array<OrdersV2OrderBy>>;
  where?: InputMaybe<OrdersV2Where>;
};


/** Data products, one root field per served major version. */
export type QueryOrdersV2AggregateArgs = {
  groupBy?: InputMaybe<Array<OrdersV2GroupField>>;
  where?: InputMaybe<OrdersV2Where>;
};


/** Data products, one root field per served major version. */
export type QueryOrdersV2ByKeyArgs = {
  order_id: Scalars['BigInt']['input'];
};

/** Which snapshot of an Apache Iceberg table to read: exactly one of snapshotId, timestamp (the snapshot current at that time) or ref (a branch or tag). */
export type SnapshotSelector = {
  /** A branch or tag of the table. */
  ref?: InputMaybe<Scalars['String']['input']>;
  /** A snapshot id, as lineage reports it. */
  snapshotId?: InputMaybe<Scalars['BigInt']['input']>;
  /** The last snapshot committed at or before this time. */
  timestamp?: InputMaybe<Scalars['DateTime']['input']>;
};

/** Sort order; nulls sort last in both directions. */
export type SortDirection =
  | 'ASC'
  | 'DESC';

/** Conditions on a String field (eq, in); several are ANDed. */
export type StringEqInFilter = {
  /** Equal to. */
  eq?: InputMaybe<Scalars['String']['input']>;
  /** One of the values. */
  in?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Not equal to (rows where the field is null do not match). */
  ne?: InputMaybe<Scalars['String']['input']>;
  /** None of the values (rows where the field is null do not match). */
  notIn?: InputMaybe<Array<Scalars['String']['input']>>;
};

/** Conditions on a String field (eq, in, null); several are ANDed. */
export type StringEqInNullFilter = {
  /** Equal to. */
  eq?: InputMaybe<Scalars['String']['input']>;
  /** One of the values. */
  in?: InputMaybe<Array<Scalars['String']['input']>>;
  /** true: the field is null; false: it is not. */
  isNull?: InputMaybe<Scalars['Boolean']['input']>;
  /** Not equal to (rows where the field is null do not match). */
  ne?: InputMaybe<Scalars['String']['input']>;
  /** None of the values (rows where the field is null do not match). */
  notIn?: InputMaybe<Array<Scalars['String']['input']>>;
};

/** Conditions on a String field (eq, in, range, text); several are ANDed. */
export type StringEqInRangeTextFilter = {
  /** Contains the text (case-sensitive). */
  contains?: InputMaybe<Scalars['String']['input']>;
  /** Ends with the text (case-sensitive). */
  endsWith?: InputMaybe<Scalars['String']['input']>;
  /** Equal to. */
  eq?: InputMaybe<Scalars['String']['input']>;
  /** Greater than. */
  gt?: InputMaybe<Scalars['String']['input']>;
  /** Greater than or equal to. */
  gte?: InputMaybe<Scalars['String']['input']>;
  /** One of the values. */
  in?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Less than. */
  lt?: InputMaybe<Scalars['String']['input']>;
  /** Less than or equal to. */
  lte?: InputMaybe<Scalars['String']['input']>;
  /** Not equal to (rows where the field is null do not match). */
  ne?: InputMaybe<Scalars['String']['input']>;
  /** None of the values (rows where the field is null do not match). */
  notIn?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Starts with the text (case-sensitive). */
  startsWith?: InputMaybe<Scalars['String']['input']>;
};

/** Conditions on a String field (eq, null); several are ANDed. */
export type StringEqNullFilter = {
  /** Equal to. */
  eq?: InputMaybe<Scalars['String']['input']>;
  /** true: the field is null; false: it is not. */
  isNull?: InputMaybe<Scalars['Boolean']['input']>;
  /** Not equal to (rows where the field is null do not match). */
  ne?: InputMaybe<Scalars['String']['input']>;
};

/** Conditions on a String field (eq, in, range, text, null); several are ANDed. */
export type StringFilter = {
  /** Contains the text (case-sensitive). */
  contains?: InputMaybe<Scalars['String']['input']>;
  /** Ends with the text (case-sensitive). */
  endsWith?: InputMaybe<Scalars['String']['input']>;
  /** Equal to. */
  eq?: InputMaybe<Scalars['String']['input']>;
  /** Greater than. */
  gt?: InputMaybe<Scalars['String']['input']>;
  /** Greater than or equal to. */
  gte?: InputMaybe<Scalars['String']['input']>;
  /** One of the values. */
  in?: InputMaybe<Array<Scalars['String']['input']>>;
  /** true: the field is null; false: it is not. */
  isNull?: InputMaybe<Scalars['Boolean']['input']>;
  /** Less than. */
  lt?: InputMaybe<Scalars['String']['input']>;
  /** Less than or equal to. */
  lte?: InputMaybe<Scalars['String']['input']>;
  /** Not equal to (rows where the field is null do not match). */
  ne?: InputMaybe<Scalars['String']['input']>;
  /** None of the values (rows where the field is null do not match). */
  notIn?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Starts with the text (case-sensitive). */
  startsWith?: InputMaybe<Scalars['String']['input']>;
};

/** Conditions on a String field (text, null); several are ANDed. */
export type StringTextNullFilter = {
  /** Contains the text (case-sensitive). */
  contains?: InputMaybe<Scalars['String']['input']>;
  /** Ends with the text (case-sensitive). */
  endsWith?: InputMaybe<Scalars['String']['input']>;
  /** true: the field is null; false: it is not. */
  isNull?: InputMaybe<Scalars['Boolean']['input']>;
  /** Starts with the text (case-sensitive). */
  startsWith?: InputMaybe<Scalars['String']['input']>;
};

export type OrdersPageQueryVariables = Exact<{
  region: Scalars['String']['input'];
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
}>;


export type OrdersPageQuery = { __typename?: 'Query', ordersV2: { __typename?: 'OrdersV2Connection', totalCount: number, edges: Array<{ __typename?: 'OrdersV2Edge', cursor: string, node: { __typename?: 'OrdersV2', order_id: string, order_date: string, status: string, total_amount: number, currency: string, email?: string | null } }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, hasPreviousPage: boolean, startCursor?: string | null, endCursor?: string | null } } };

export type OrderDetailQueryVariables = Exact<{
  orderId: Scalars['BigInt']['input'];
}>;


export type OrderDetailQuery = { __typename?: 'Query', ordersV2ByKey?: { __typename?: 'OrdersV2', order_id: string, order_date: string, status: string, total_amount: number, currency: string, notes?: string | null, customer?: { __typename?: 'CustomersV1', customer_id: string, name: string, country: string } | null } | null };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const OrdersPageDocument = new TypedDocumentString(`
    query OrdersPage($region: String!, $first: Int, $after: String, $last: Int, $before: String) {
  ordersV2(
    where: {region: {eq: $region}}
    orderBy: [{total_amount: DESC}]
    first: $first
    after: $after
    last: $last
    before: $before
  ) {
    totalCount
    edges {
      cursor
      node {
        order_id
        order_date
        status
        total_amount
        currency
        email
      }
    }
    pageInfo {
      hasNextPage
      hasPreviousPage
      startCursor
      endCursor
    }
  }
}
    `) as unknown as TypedDocumentString<OrdersPageQuery, OrdersPageQueryVariables>;
export const OrderDetailDocument = new TypedDocumentString(`
    query OrderDetail($orderId: BigInt!) {
  ordersV2ByKey(order_id: $orderId) {
    order_id
    order_date
    status
    total_amount
    currency
    notes
    customer {
      customer_id
      name
      country
    }
  }
}
    `) as unknown as TypedDocumentString<OrderDetailQuery, OrderDetailQueryVariables>;